"""The victim's own pages on SQLite: her findings in plain Korean without imagery or scores,
"this is not me" (a confirmed, audited reject with her account), her notification preferences,
withdrawal with a typed word, and one victim never reaching another's case. The same checks
run on Elasticsearch in tests/elastic/test_victim_es.py."""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jikimi import registry
from jikimi.demo.site import FixtureServer
from kernel.preferences import NotificationPreferences
from tests import evidence_site
from tests.portal_fixtures import PASSWORD, sign_in
from tests.victim_fixtures import OPERATOR_NOTE, VictimPortal, victim_portal

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture
def vp(demo_site: FixtureServer, tmp_path: Path) -> VictimPortal:
    return victim_portal(tmp_path, demo_site.base_url)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def signed_in(client: TestClient, username: str) -> str:
    sign_in(client, username)
    return csrf_of(client.get("/me").text)


def account_id(vp: VictimPortal, username: str) -> str:
    with closing(registry.open_store(vp.portal.settings)) as store:
        account = store.get_account_by_username(username)
        assert account is not None
        return account.account_id


def test_her_findings_read_in_korean_without_imagery_or_scores(vp: VictimPortal) -> None:
    check_findings(vp)


def test_this_is_not_me_rejects_with_her_account(vp: VictimPortal) -> None:
    check_not_me(vp)


def test_preferences_are_stored_audited_and_checked(vp: VictimPortal) -> None:
    check_preferences(vp)


def test_withdrawal_erases_and_signs_her_out(vp: VictimPortal) -> None:
    check_withdrawal(vp)


def test_a_victim_never_reaches_another_case(vp: VictimPortal) -> None:
    check_other_case(vp)


def check_findings(vp: VictimPortal) -> None:
    hits = vp.portal.hits
    with vp.portal.client() as client:
        sign_in(client, vp.portal.usernames["victim"])
        home = client.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/me"
        page = client.get("/me")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        text = page.text
        statuses = re.findall(r'data-status="([a-z_]+)"', text)
        assert sorted(statuses) == ["confirmed", "removed", "under_review", "under_review"]
        assert statuses[-1] == "under_review"  # the escalated one, found 3 days ago: last
        for word in ("확인됨", "검토 중", "삭제됨", "발견된 게시물", "이미지가 나오지 않습니다",
                     "디지털성범죄피해자지원센터"):
            assert word in text, word
        for page_path in ("/gallery/1.html", "/gallery/2.html", "/gallery/3.html",
                          "/gallery/4.html"):
            assert page_path in text
        assert "/gallery/5.html" not in text  # rejected by an operator: not hers to see
        assert "/gallery/6.html" not in text  # the other case's
        for hidden in ("escalat", "이관", OPERATOR_NOTE, "<img", "similarity", "유사도",
                       "0.600", "test-model", "(victim)", "/media/", "href=\"http"):
            assert hidden not in text, hidden
        assert hits.matching.hit_id in text
        english = client.get("/me?lang=en").text
        for word in ("Under review", "Confirmed", "Removed", "This is not me"):
            assert word in english
    with closing(registry.open_store(vp.portal.settings)) as store:
        events = [e for e in store.audit_events("case-1") if e.action == "victim.findings"]
    assert events and events[0].actor == f"account:{account_id(vp, 'victim-kim')}"


def check_not_me(vp: VictimPortal) -> None:
    hit = vp.portal.hits.matching
    with vp.portal.client() as client:
        csrf = signed_in(client, vp.portal.usernames["victim"])
        ask = client.get(f"/me/findings/{hit.hit_id}/not-me")
        assert ask.status_code == 200 and "본인이 아닌가요" in ask.text
        assert client.post(f"/me/findings/{hit.hit_id}/not-me").status_code == 403  # no CSRF
        done = client.post(f"/me/findings/{hit.hit_id}/not-me", data={"csrf": csrf})
        assert done.status_code == 303 and done.headers["location"] == "/me?done=not_me"
        after = client.get(done.headers["location"]).text
        assert "고맙습니다" in after and "/gallery/2.html" not in after
        assert client.post(f"/me/findings/{hit.hit_id}/not-me",
                           data={"csrf": csrf}).status_code == 404  # gone from her list
    her = f"account:{account_id(vp, 'victim-kim')}"
    with closing(registry.open_store(vp.portal.settings)) as store:
        [stored] = [h for h in store.hits() if h.hit_id == hit.hit_id]
        assert stored.review_state == "rejected" and stored.reviewer == her
        reviews = [e for e in store.audit_events(hit.hit_id) if e.action == "hit.review"]
        assert reviews[-1].actor == her and reviews[-1].detail["decision"] == "reject"
        assert any(e.action == "victim.not_me" and e.actor == her
                   for e in store.audit_events("case-1"))


def check_preferences(vp: VictimPortal) -> None:
    with vp.portal.client() as client:
        csrf = signed_in(client, vp.portal.usernames["victim"])
        form = client.get("/me/preferences")
        assert form.status_code == 200 and "p•••@example.org" in form.text
        assert 'name="webhook"' not in form.text  # enrollment recorded no webhook
        assert "person@example.org" not in form.text
        assert client.post("/me/preferences", data={"mode": "digest"}).status_code == 403
        chosen = {"csrf": csrf, "mode": "digest", "digest_hour": "20",
                  "quiet_start": "22:00", "quiet_end": "07:00", "timezone": "Asia/Seoul"}
        saved = client.post("/me/preferences", data=chosen)  # e-mail unticked: off
        assert saved.status_code == 303 and saved.headers["location"].endswith("saved=1")
        assert "저장했습니다" in client.get(saved.headers["location"]).text
        one_end = client.post("/me/preferences", data=chosen | {"quiet_end": ""})
        assert one_end.status_code == 400 and "시작과 끝을 함께" in one_end.text
        odd_zone = client.post("/me/preferences", data=chosen | {"timezone": "Mars/Base"})
        assert odd_zone.status_code == 400
    with closing(registry.open_store(vp.portal.settings)) as store:
        prefs = store.get_preferences("case-1")
        events = [e for e in store.audit_events("case-1") if e.action == "case.preferences"]
    assert prefs is not None and prefs == NotificationPreferences(
        "case-1", email=False, webhook=True, mode="digest", digest_hour=20,
        quiet_start=22 * 60, quiet_end=7 * 60, updated_at=prefs.updated_at)
    assert len(events) == 1 and events[0].detail["mode"] == "digest"


def check_withdrawal(vp: VictimPortal) -> None:
    with vp.portal.client() as client:
        csrf = signed_in(client, vp.portal.usernames["victim"])
        page = client.get("/me/withdraw")
        assert page.status_code == 200
        for words in ("되돌릴 수 없습니다", "cannot be undone", "삭제"):
            assert words in page.text
        wrong = client.post("/me/withdraw", data={"csrf": csrf, "word": "네"})
        assert wrong.status_code == 400 and "아무것도 삭제하지 않았습니다" in wrong.text
        assert client.post("/me/withdraw", data={"word": "삭제"}).status_code == 403
        with closing(registry.open_store(vp.portal.settings)) as store:
            case = store.get_case("case-1")
            assert case is not None and case.status == "open"
        gone = client.post("/me/withdraw", data={"csrf": csrf, "word": " 삭제 "})
        assert gone.status_code == 200 and "삭제되었습니다" in gone.text
        assert "Max-Age=0" in gone.headers["set-cookie"]
        assert client.get("/me").headers.get("location") == "/login"  # signed out
    with vp.portal.client() as again:
        form = again.get("/login").text
        refused = again.post("/login", data={"username": vp.portal.usernames["victim"],
                                             "password": PASSWORD, "csrf": csrf_of(form)})
        assert refused.status_code == 401  # the account is closed
    her = f"account:{account_id(vp, 'victim-kim')}"
    with closing(registry.open_store(vp.portal.settings)) as store:
        case = store.get_case("case-1")
        assert case is not None and case.status == "withdrawn"
        assert store.get_person(vp.person_id) is None and store.hits(vp.person_id) == []
        actions = {(e.action, e.actor) for e in store.audit_events("case-1")}
        account = store.get_account_by_username(vp.portal.usernames["victim"])
        other = store.get_case("case-2")
    assert ("case.withdraw", her) in actions and ("case.erase_person", her) in actions
    assert account is not None and account.disabled
    assert other is not None and other.status == "open"


def check_other_case(vp: VictimPortal) -> None:
    mine, theirs = vp.portal.hits.matching, vp.other
    with closing(registry.open_store(vp.portal.settings)) as store:
        hers_before = store.get_preferences("case-1")
    with vp.portal.client() as client:
        csrf = signed_in(client, vp.other_username)
        page = client.get("/me").text
        assert "/gallery/6.html" in page and "/gallery/2.html" not in page
        assert mine.hit_id not in page
        assert client.get(f"/me/findings/{mine.hit_id}/not-me").status_code == 404
        assert client.post(f"/me/findings/{mine.hit_id}/not-me",
                           data={"csrf": csrf}).status_code == 404
        saved = client.post("/me/preferences", data={"csrf": csrf, "mode": "digest"})
        assert saved.status_code == 303
    with vp.portal.client() as client:
        sign_in(client, vp.portal.usernames["victim"])
        assert client.get(f"/me/findings/{theirs.hit_id}/not-me").status_code == 404
        assert "/gallery/6.html" not in client.get("/me").text
        assert client.get("/me/preferences").status_code == 200
    with closing(registry.open_store(vp.portal.settings)) as store:
        states = {h.hit_id: h.review_state for h in store.hits()}
        assert states[mine.hit_id] == "confirmed" and states[theirs.hit_id] == "confirmed"
        assert store.get_preferences("case-1") == hers_before
        other = store.get_preferences("case-2")
        assert other is not None and other.mode == "digest"
