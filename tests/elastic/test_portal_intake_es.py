"""The portal's cases and intake on the Elasticsearch adapter: open a case, enroll two photos of
one person, a duplicate refused, her account made and used, as on SQLite."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer, photo_bytes
from tests import evidence_site
from tests.elastic.conftest import on_es
from tests.intake_steps import open_case, upload
from tests.portal_fixtures import Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path, es_url: str) -> Portal:
    return seeded_portal(tmp_path, demo_site.base_url, **on_es(es_url))


def test_an_operator_enrolls_and_invites_on_elasticsearch(portal: Portal) -> None:
    photos = [(f"{n}.jpg", photo_bytes(f"{n}.jpg")) for n in ("person_a_1", "person_a_2")]
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        assert case_id[:12] in client.get("/cases").text
        enrolled = upload(client, csrf, case_id, photos)
        assert enrolled.status_code == 200 and enrolled.text.count('data-code="ok"') == 2
        duplicate = upload(client, csrf, open_case(client, csrf), photos[:1])
        assert duplicate.status_code == 422 and f'href="/cases/{case_id}"' in duplicate.text
        invited = client.post(f"/cases/{case_id}/invite",
                              data={"csrf": csrf, "username": "ana.kim"})
        assert invited.status_code == 200
        password = invited.text.split('id="first-password" class="secret">')[1].split("<")[0]
    with portal.client() as client:
        sign_in(client, "ana.kim", password)
        assert client.get("/cases").status_code == 403
    with closing(registry.open_store(portal.settings)) as store:
        case = store.get_case(case_id)
        assert case is not None and case.person_id is not None
        assert "case.invite" in [e.action for e in store.audit_events(case_id)]
