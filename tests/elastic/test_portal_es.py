"""The portal's review and takedown pages on the Elasticsearch adapter: the same checks as on
SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi.demo.site import FixtureServer
from tests import evidence_site
from tests.elastic.conftest import on_es
from tests.portal_fixtures import Portal, seeded_portal
from tests.test_portal_review import check_api_review, check_operator_review
from tests.test_portal_takedown import check_takedown_api, check_takedown_pages

demo_site = evidence_site.demo_site  # fixture


def es_portal(tmp_path: Path, base_url: str, es_url: str, hit_state: str = "new") -> Portal:
    return seeded_portal(tmp_path, base_url, hit_state, **on_es(es_url))


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path, es_url: str) -> Portal:
    return es_portal(tmp_path, demo_site.base_url, es_url)


@pytest.fixture
def confirmed(demo_site: FixtureServer, tmp_path: Path, es_url: str) -> Portal:
    return es_portal(tmp_path, demo_site.base_url, es_url, hit_state="confirmed")


def test_operator_reviews_on_elasticsearch(portal: Portal) -> None:
    check_operator_review(portal)


def test_automation_reviews_on_elasticsearch(portal: Portal) -> None:
    check_api_review(portal)


def test_takedown_pages_on_elasticsearch(confirmed: Portal) -> None:
    check_takedown_pages(confirmed)


def test_takedown_api_on_elasticsearch(confirmed: Portal) -> None:
    check_takedown_api(confirmed)
