"""Who may reach what in the portal: anonymous requests are refused everywhere but sign-in,
health and static files; every role against every endpoint; forms need their CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jikimi.demo.site import FixtureServer
from tests import evidence_site
from tests.portal_fixtures import PASSWORD, ROLES, Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture
OPEN = {("/login", "get"), ("/login", "post"), ("/healthz", "get")}
REVIEWERS = {"operator", "admin"}


@pytest.fixture(scope="module")
def portal(demo_site: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Portal:
    return seeded_portal(tmp_path_factory.mktemp("portal"), demo_site.base_url)


def operations(portal: Portal) -> list[tuple[str, str]]:
    with portal.client() as client:
        spec = client.get("/openapi.json").json()
    return sorted((path, method) for path, item in spec["paths"].items() for method in item)


def concrete(path: str, portal: Portal) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: {"{hit_id}": portal.hits.matching.hit_id,
                                           "{media_id}": portal.hits.matching.media_id}
                  .get(m.group(0), "x"), path)


def test_the_openapi_document_lists_the_review_operations(portal: Portal) -> None:
    ops = operations(portal)
    assert ("/review", "get") in ops and ("/api/review/{hit_id}", "post") in ops
    assert ("/review/{hit_id}/preview", "get") in ops and ("/logout", "post") in ops


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
                        ("POST", f"{path}/invite", {"data": {"username": "ana"}}, 409)]
            for method, url, body, status in expected:
                answer = client.request(method, url, headers=headers, **body)
                assert answer.status_code == (status if allowed else 403), (role, method, url)
