"""Who may reach what in the portal: anonymous requests are refused everywhere but sign-in,
health and static files; every role against every endpoint; forms need their CSRF token."""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer
from kernel.takedown import TakedownBatch, TakedownItem
from tests import evidence_site
from tests.portal_fixtures import PASSWORD, ROLES, Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture
OPEN = {("/login", "get"), ("/login", "post"), ("/healthz", "get")}
REVIEWERS = {"operator", "admin"}
TAKEDOWN_TEAM = {"takedown", "admin"}
BATCH = "td-access"


@pytest.fixture(scope="module")
def portal(demo_site: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Portal:
    seeded = seeded_portal(tmp_path_factory.mktemp("portal"), demo_site.base_url)
    hit = seeded.hits.matching
    with closing(registry.open_store(seeded.settings)) as store:
        [sighting] = store.sightings(hit.media_id)
        store.add_takedown_batch(
            TakedownBatch(BATCH, "test", item_count=1),
            [TakedownItem(BATCH, sighting.media_url, sighting.page_url, "127.0.0.1",
                          hit.media_id, [hit.hit_id])])
    return seeded


def operations(portal: Portal) -> list[tuple[str, str]]:
    with portal.client() as client:
        spec = client.get("/openapi.json").json()
    return sorted((path, method) for path, item in spec["paths"].items() for method in item)


def concrete(path: str, portal: Portal) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: {"{hit_id}": portal.hits.matching.hit_id,
                                           "{media_id}": portal.hits.matching.media_id,
                                           "{batch_id}": BATCH}
                  .get(m.group(0), "x"), path)


def test_the_openapi_document_lists_the_review_operations(portal: Portal) -> None:
    ops = operations(portal)
    assert ("/review", "get") in ops and ("/api/review/{hit_id}", "post") in ops
    assert ("/review/{hit_id}/preview", "get") in ops and ("/logout", "post") in ops
    assert ("/takedown", "post") in ops and ("/takedown/{batch_id}/mark", "post") in ops
    assert ("/api/takedown/{batch_id}/mark", "post") in ops


def test_every_anonymous_request_but_sign_in_and_health_is_refused(portal: Portal) -> None:
    with portal.client() as client:
        assert client.get("/healthz").json() == {"ok": True}
        assert client.get("/static/portal.css").status_code == 200
        for path, method in operations(portal):
            if (path, method) in OPEN:
                continue
            answer = client.request(method.upper(), concrete(path, portal))
            refused = answer.status_code in (401, 403) or (
                answer.status_code == 303 and answer.headers["location"] == "/login")
            assert refused, (method, path, answer.status_code)
        assert client.post("/login", data={"username": "x", "password": "y"}).status_code \
            == 403  # no sign-in CSRF token


def test_every_role_against_every_endpoint(portal: Portal) -> None:
    hit = portal.hits.matching.hit_id
    reads = ["/review", "/review/report", f"/review/{hit}", "/api/review",
             f"/review/media/{portal.hits.matching.media_id}"]
    for role in ROLES:
        with portal.client() as client:
            headers = {"Authorization": f"Bearer {portal.tokens[role]}"}
            for path in reads:
                status = client.get(path, headers=headers).status_code
                if role in REVIEWERS:
                    assert status in (200, 303), (role, path, status)
                else:
                    assert status == 403, (role, path, status)
            decided = client.post(f"/api/review/{portal.hits.gone.hit_id}", headers=headers,
                                  json={"decision": "reject", "note": role})
            assert decided.status_code == (200 if role in REVIEWERS else 403), role


def test_every_role_against_every_takedown_endpoint(portal: Portal) -> None:
    reads = ["/takedown", f"/takedown/{BATCH}", f"/takedown/{BATCH}/download?format=csv",
             "/api/takedown", f"/api/takedown/{BATCH}", "/takedown/report",
             "/api/takedown/report"]
    with closing(registry.open_store(portal.settings)) as store:
        url = store.takedown_items(BATCH)[0].media_url
    for role in ROLES:
        allowed = role in TAKEDOWN_TEAM
        with portal.client() as client:
            headers = {"Authorization": f"Bearer {portal.tokens[role]}"}
            for path in reads:
                status = client.get(path, headers=headers).status_code
                assert status == (200 if allowed else 403), (role, path, status)
            marked = client.post(f"/api/takedown/{BATCH}/mark", headers=headers,
                                 json={"item": portal.hits.matching.hit_id, "status": "sent"})
            assert marked.status_code == (404 if allowed else 403), role  # not an item id
            marked = client.post(f"/api/takedown/{BATCH}/mark", headers=headers,
                                 json={"item": url, "status": "sent"})
            assert marked.status_code == (200 if allowed else 403), role
            built = client.post("/api/takedown", headers=headers, json={})
            assert built.status_code == (404 if allowed else 403), role  # nothing confirmed
        with portal.client() as client:  # and through the pages, with a session
            csrf = sign_in(client, portal.usernames[role])
            assert client.get("/takedown").status_code == (200 if allowed else 403), role
            form = client.post(f"/takedown/{BATCH}/mark",
                               data={"csrf": csrf, "item": "x", "status": "sent"})
            assert form.status_code == (404 if allowed else 403), role


def test_a_form_without_its_csrf_token_changes_nothing(portal: Portal) -> None:
    hit = portal.hits.replaced.hit_id
    with portal.client() as client:
        token = sign_in(client, portal.usernames["operator"])
        refused = client.post(f"/review/{hit}/decide", data={"decision": "confirm"})
        assert refused.status_code == 403
        wrong = client.post(f"/review/{hit}/decide", data={"decision": "confirm",
                                                           "csrf": token[::-1]})
        assert wrong.status_code == 403
        queue = client.get("/review").text
    assert hit in queue  # still waiting


def test_wrong_password_and_victims_see_no_review(portal: Portal, tmp_path: Path) -> None:
    with portal.client() as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        assert token is not None
        answer = client.post("/login", data={"username": portal.usernames["operator"],
                                              "password": PASSWORD + "x",
                                              "csrf": token.group(1)})
        assert answer.status_code == 401 and "비밀번호가 맞지 않거나" in answer.text
        sign_in(client, portal.usernames["victim"])
        assert client.get("/review").status_code == 403
        assert client.get(f"/review/{portal.hits.matching.hit_id}/preview").status_code == 403
        assert client.get("/takedown").status_code == 403
        assert client.get(f"/takedown/{BATCH}/download?format=csv").status_code == 403


def test_only_victims_reach_the_victim_pages(portal: Portal) -> None:
    """Operators, takedown and admin get 403 on every /me operation (reads and actions); a
    victim's own pages answer her (the refusals of other cases: tests/test_portal_victim.py)."""
    mine = [(path, method) for path, method in operations(portal) if path.startswith("/me")]
    assert {("/me", "get"), ("/me/preferences", "post"), ("/me/withdraw", "post"),
            ("/me/findings/{hit_id}/not-me", "post")} <= set(mine)
    for role in ("operator", "takedown", "admin"):
        with portal.client() as client:
            headers = {"Authorization": f"Bearer {portal.tokens[role]}"}
            for path, method in mine:
                status = client.request(method.upper(), concrete(path, portal),
                                        headers=headers).status_code
                assert status == 403, (role, method, path, status)
    with portal.client() as client:
        headers = {"Authorization": f"Bearer {portal.tokens['victim']}"}
        assert client.get("/me", headers=headers).status_code == 200


def test_every_role_against_the_case_endpoints(portal: Portal) -> None:
    from contextlib import closing

    from jikimi import registry
    from jikimi.cases import open_case
    from tests.intake_steps import OPENED

    with closing(registry.open_store(portal.settings)) as store:
        case = open_case(store, "test", verified_by="test", method="in-person",
                         consent_version=OPENED["consent_version"], consent_channel="paper")
    path = f"/cases/{case.case_id}"
    for role in ROLES:
        allowed = role in REVIEWERS
        with portal.client() as client:
            headers = {"Authorization": f"Bearer {portal.tokens[role]}"}
            expected = [("GET", "/cases", {}, 200), ("GET", path, {}, 200),
                        ("POST", "/cases", {"data": OPENED}, 303),
                        ("POST", f"{path}/reveal", {}, 200),
                        ("POST", f"{path}/enroll", {"data": {"name": "x"}}, 415),
                        ("POST", f"{path}/enroll/device", {"json": {"name": "x"}}, 422),
                        ("POST", f"{path}/invite", {"data": {"username": "ana"}}, 409)]
            for method, url, body, status in expected:
                answer = client.request(method, url, headers=headers, **body)
                assert answer.status_code == (status if allowed else 403), (role, method, url)
