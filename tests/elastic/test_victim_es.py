"""The victim's own pages on the Elasticsearch adapter: the same checks as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi.demo.site import FixtureServer
from tests import evidence_site
from tests.elastic.conftest import on_es
from tests.test_portal_victim import (
    check_findings,
    check_not_me,
    check_other_case,
    check_preferences,
    check_withdrawal,
)
from tests.victim_fixtures import VictimPortal, victim_portal

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture
def vp(demo_site: FixtureServer, tmp_path: Path, es_url: str) -> VictimPortal:
    return victim_portal(tmp_path, demo_site.base_url, **on_es(es_url))


def test_findings_and_not_me_on_elasticsearch(vp: VictimPortal) -> None:
    check_findings(vp)
    check_not_me(vp)


def test_preferences_and_other_cases_on_elasticsearch(vp: VictimPortal) -> None:
    check_preferences(vp)
    check_other_case(vp)


def test_withdrawal_on_elasticsearch(vp: VictimPortal) -> None:
    check_withdrawal(vp)
