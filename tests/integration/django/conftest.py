"""A running Django project in PostgreSQL (the shared pg server) for the django_update role."""

from __future__ import annotations

import pytest

from tests.support.django_app import DjangoSite
from tests.support.services import free_port


@pytest.fixture(scope="module")
def site(pg, tmp_path_factory):
    site = DjangoSite(tmp_path_factory.mktemp("django"), pg, "django_shop", free_port())
    try:
        yield site.setup()
    finally:
        site.stop()
        pg.dropdb(site.db)
