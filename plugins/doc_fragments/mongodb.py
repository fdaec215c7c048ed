# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  uri:
    description:
      - MongoDB connection string, for example
        C(mongodb+srv://backup:secret@cluster0.abcde.mongodb.net/app) for Atlas.
      - It is written to a YAML config file (mode 0600, in a private temporary
        directory) passed to the tool with C(--config) and removed when the tool
        exits, so it never appears on a command line, in results or in logs
        (its password is replaced by C(********) in any tool output returned).
    type: str
    required: true
  login_password:
    description:
      - Password, for a O(uri) without one. Written to the same private config
        file, never on the command line.
    type: str
notes:
  - No MongoDB server or MongoDB database tools can be installed where this
    collection is developed. The module was tested with a fake C(mongodump) /
    C(mongorestore) (a script that records its argv and environment and writes
    an archive), B(not against a real MongoDB server). Its command lines follow
    the MongoDB Database Tools 100.x documentation (C(--config), C(--archive),
    C(--gzip)).
"""
