"""An operator reviews in the portal: the queue, a hit with its blurred greyscale preview, an
audited unblur, and decisions that alert the person only on confirmation. On SQLite here; the
same checks run on the Elasticsearch adapter in tests/elastic/test_portal_es.py."""

from __future__ import annotations

import io
import json
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jikimi import registry
from jikimi.demo.site import FixtureServer, photo_bytes
from tests import evidence_site
from tests.portal_fixtures import Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path) -> Portal:
    return seeded_portal(tmp_path, demo_site.base_url)


def image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_operator_reviews_with_a_blurred_preview_and_confirms(portal: Portal) -> None:
    check_operator_review(portal)


def test_automation_reviews_through_the_api_with_a_token(portal: Portal) -> None:
    check_api_review(portal)


def check_operator_review(portal: Portal) -> None:
    hits = portal.hits
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        queue = client.get("/review")
        assert queue.status_code == 200 and queue.headers["cache-control"] == "no-store"
        for hit in (hits.matching, hits.replaced, hits.gone):
            assert hit.hit_id in queue.text
        page = client.get(f"/review/{hits.matching.hit_id}")
        assert page.status_code == 200 and "/gallery/2.html" in page.text
        assert f"/review/{hits.matching.hit_id}/preview" in page.text

        preview = client.get(f"/review/{hits.matching.hit_id}/preview")
        assert preview.headers["content-type"] == "image/jpeg"
        shown = image(preview.content)
        assert shown.mode == "L" and max(shown.size) <= 480  # greyscale, small
        sharp = np.asarray(image(photo_bytes("person_a_2.jpg")).convert("L"), dtype=float)
        blurred = np.asarray(shown, dtype=float)
        assert np.abs(np.diff(blurred, axis=1)).mean() < np.abs(np.diff(sharp, axis=1)).mean() / 3
        original = client.get(f"/review/{hits.matching.hit_id}/original")
        assert image(original.content).mode == "RGB"
        assert client.get(f"/review/{hits.gone.hit_id}/preview").status_code == 404

        answer = client.post(f"/review/{hits.matching.hit_id}/decide",
                             data={"decision": "confirm", "note": "her", "csrf": csrf})
        assert answer.status_code == 303 and "decided=confirm" in answer.headers["location"]
        rejected = client.post(f"/review/{hits.replaced.hit_id}/decide",
                               data={"decision": "reject", "csrf": csrf})
        assert rejected.status_code == 303
        assert hits.matching.hit_id not in client.get("/review").text

    with closing(registry.open_store(portal.settings)) as store:
        [alert] = store.alerts()
        assert alert.media_id == hits.matching.media_id and alert.status == "sent"
        events = store.audit_events()
    copy = json.loads(next((portal.settings.outbox_dir).glob("*.json")).read_text("utf-8"))
    assert "reviewer confirmed" in copy["text"]
    actions = {(e.action, e.subject) for e in events}
    for action in ("hit.read", "media.preview", "media.unblur"):
        assert (action, hits.matching.hit_id) in actions
    reviews = [e for e in events if e.action == "hit.review"]
    assert {e.subject for e in reviews} == {hits.matching.hit_id, hits.replaced.hit_id}
    assert all(e.actor.startswith("account:") for e in reviews + [
        e for e in events if e.action.startswith("media.")])


def check_api_review(portal: Portal) -> None:
    token = {"Authorization": f"Bearer {portal.tokens['operator']}"}
    with portal.client() as client:
        queue = client.get("/api/review", headers=token).json()
        assert {row["hit_id"] for row in queue} == {
            portal.hits.matching.hit_id, portal.hits.replaced.hit_id, portal.hits.gone.hit_id}
        done = client.post(f"/api/review/{portal.hits.gone.hit_id}", headers=token,
                           json={"decision": "not_sexual"}).json()
        assert done["review_state"] == "not_sexual" and done["alert"] is None
        bad = client.post(f"/api/review/{portal.hits.gone.hit_id}", headers=token,
                          json={"decision": "approve"})
        assert bad.status_code == 422
    with closing(registry.open_store(portal.settings)) as store:
        assert store.alerts() == []


def test_a_reviewer_preserves_a_hit_as_evidence_with_her_account(portal: Portal) -> None:
    hit = portal.hits.matching
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        assert client.post(f"/review/{hit.hit_id}/preserve").status_code == 403  # no CSRF
        answer = client.post(f"/review/{hit.hit_id}/preserve", data={"csrf": csrf})
        assert answer.status_code == 303 and "preserved=1" in answer.headers["location"]
        page = client.get(answer.headers["location"])
        assert page.status_code == 200 and "보존된 캡처 수: 1" in page.text
        preview = client.get(f"/review/{hit.hit_id}/preview")  # now read from the locker
        assert preview.status_code == 200
    with closing(registry.open_store(portal.settings)) as store:
        writes = [e for e in store.audit_events() if e.action == "evidence.write"]
    assert writes and all(e.actor.startswith("account:") for e in writes)
