# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  files:
    description:
      - The compose files (C(-f)); empty for the compose program's default
        (C(docker-compose.yml) in O(project_dir) or the working directory).
    type: list
    elements: path
    default: []
  project_name:
    description: The compose project name (C(-p)); empty for the compose program's default (the directory name).
    type: str
  project_dir:
    description: The project directory (C(--project-directory)).
    type: path
  compose_command:
    description:
      - The compose program as an argv list, for example V([docker-compose]) (1.x,
        as in the runbooks) or V([docker, compose]) (2.x).
    type: list
    elements: str
    default: [docker-compose]
  docker_command:
    description: The docker program as an argv list, used for C(docker inspect) of the project's containers.
    type: list
    elements: str
    default: [docker]
notes:
  - The compose program and C(docker) must be installed on the target; the docker
    engine is the one of the target's environment (E(DOCKER_HOST) or the default socket).
"""
