"""The portal's review on the Elasticsearch adapter: the same checks as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi.demo.site import FixtureServer
from tests import evidence_site
from tests.elastic.conftest import PREFIX
from tests.portal_fixtures import Portal, seeded_portal
from tests.test_portal_review import check_api_review, check_operator_review

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path, es_url: str) -> Portal:
    return seeded_portal(tmp_path, demo_site.base_url, store={"backend": "elasticsearch"},
                         elasticsearch={"url": es_url, "plain_json_headers": True,
                                        "index_prefix": PREFIX})


def test_operator_reviews_on_elasticsearch(portal: Portal) -> None:
    check_operator_review(portal)


def test_automation_reviews_on_elasticsearch(portal: Portal) -> None:
    check_api_review(portal)
