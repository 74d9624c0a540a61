"""A takedown team in the portal: builds a batch from confirmed hits, marks a URL with its date,
downloads CSV/JSON; the JSON twin for tokens; every build, read and mark audited with the
account. On SQLite here; the same checks run on Elasticsearch in tests/elastic/test_portal_es.py.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer
from tests import evidence_site
from tests.portal_fixtures import Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path) -> Portal:
    return seeded_portal(tmp_path, demo_site.base_url, hit_state="confirmed")


def test_takedown_team_builds_marks_and_downloads(portal: Portal) -> None:
    check_takedown_pages(portal)


def test_automation_follows_takedowns_through_the_api(portal: Portal) -> None:
    check_takedown_api(portal)


def test_only_confirmed_hits_reach_a_batch(demo_site: FixtureServer, tmp_path: Path) -> None:
    unreviewed = seeded_portal(tmp_path, demo_site.base_url)  # every hit still awaits review
    with unreviewed.client() as client:
        csrf = sign_in(client, unreviewed.usernames["takedown"])
        answer = client.post("/takedown", data={"csrf": csrf})
        assert answer.status_code == 422 and "no confirmed hit" in answer.text
        token = {"Authorization": f"Bearer {unreviewed.tokens['takedown']}"}
        assert client.post("/api/takedown", headers=token, json={}).status_code == 404
    with closing(registry.open_store(unreviewed.settings)) as store:
        assert store.takedown_batches() == []


def check_takedown_pages(portal: Portal) -> None:
    hits = portal.hits
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["takedown"])
        assert client.get("/").headers["location"] == "/takedown"
        listing = client.get("/takedown")
        assert listing.status_code == 200 and 'href="/takedown"' in listing.text
        assert 'href="/review"' not in listing.text  # no review for this role
        assert client.post("/takedown", data={"host": "127.0.0.1"}).status_code == 403  # CSRF
        built = client.post("/takedown", data={"csrf": csrf, "host": "127.0.0.1",
                                               "since": "2020-01-01"})
        assert built.status_code == 303, built.text
        location = built.headers["location"]
        batch_id = location.split("/")[2].split("?")[0]
        page = client.get(location)
        assert page.status_code == 200 and page.text.count('class="item ') == 3
        item = re.search(r'data-item="([0-9a-f]+)"', page.text)
        assert item is not None
        marked = client.post(f"/takedown/{batch_id}/mark", data={
            "csrf": csrf, "item": item.group(1), "status": "sent", "on": "2026-03-10",
            "note": "reported through the host's form"})
        assert marked.status_code == 303 and "marked=sent" in marked.headers["location"]
        assert client.post(f"/takedown/{batch_id}/mark", data={
            "item": item.group(1), "status": "removed"}).status_code == 403  # no CSRF
        assert client.post(f"/takedown/{batch_id}/mark", data={
            "csrf": csrf, "item": item.group(1), "status": "lost"}).status_code == 422
        after = client.get(f"/takedown/{batch_id}?marked=sent").text
        assert "2026-03-10" in after and "reported through the host" in after
        csv_file = client.get(f"/takedown/{batch_id}/download?format=csv")
        assert csv_file.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv_file.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(csv_file.text)))
        assert sorted(r["status"] for r in rows) == ["pending", "pending", "sent"]
        assert {r["sha256"] for r in rows} == {h.media_id for h in
                                               (hits.matching, hits.replaced, hits.gone)}
        assert client.get(f"/takedown/{batch_id}/download?format=json").json()["count"] == 3
        assert client.get(f"/takedown/{batch_id}/download?format=xml").status_code == 422
        assert client.get("/takedown/td-missing").status_code == 404
        refused = client.post("/takedown", data={"csrf": csrf, "host": "nowhere.example"})
        assert refused.status_code == 422 and "no confirmed hit" in refused.text

    with closing(registry.open_store(portal.settings)) as store:
        events = [e for e in store.audit_events() if e.action.startswith("takedown.")]
        account = store.get_account_by_username(portal.usernames["takedown"])
    assert account is not None
    assert {e.action for e in events} == {"takedown.list", "takedown.build", "takedown.view",
                                          "takedown.mark", "takedown.read",
                                          "takedown.recipients"}
    assert {e.actor for e in events} == {f"account:{account.account_id}"}


def check_takedown_api(portal: Portal) -> None:
    token = {"Authorization": f"Bearer {portal.tokens['takedown']}"}
    matching = portal.hits.matching
    with portal.client() as client:
        built = client.post("/api/takedown", headers=token, json={"host": "127.0.0.1"})
        assert built.status_code == 200, built.text
        batch_id = built.json()["batch_id"]
        assert built.json()["item_count"] == 3
        assert [b["batch_id"] for b in client.get("/api/takedown", headers=token).json()] == [
            batch_id]
        items = client.get(f"/api/takedown/{batch_id}", headers=token).json()["items"]
        url = next(i["media_url"] for i in items if i["sha256"] == matching.media_id)
        done = client.post(f"/api/takedown/{batch_id}/mark", headers=token,
                           json={"item": url, "status": "removed", "on": "2026-03-11"})
        assert done.status_code == 200, done.text
        [item] = done.json()
        assert item["status"] == "removed" and item["removed_at"].startswith("2026-03-11")
        assert client.post(f"/api/takedown/{batch_id}/mark", headers=token,
                           json={"item": url, "status": "lost"}).status_code == 422
        assert client.post("/api/takedown/td-missing/mark", headers=token,
                           json={"item": url, "status": "sent"}).status_code == 404
        assert client.post("/api/takedown", headers=token,
                           json={"since": "2026-03-02", "until": "2026-03-01"}
                           ).status_code == 422
    with closing(registry.open_store(portal.settings)) as store:
        state = {h.hit_id: h.review_state for h in store.hits()}
    assert state[matching.hit_id] == "taken_down"  # its only URL is gone
    assert state[portal.hits.replaced.hit_id] == "confirmed"
