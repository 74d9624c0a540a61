"""Cases in the portal (issue 11): an operator opens one after verifying who she is, with the
consent text on the page in Korean and English; lists and reads are audited and show no name
until revealed on purpose; her own account is made once, its first password shown once."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest
from markupsafe import escape

from jikimi import registry
from jikimi.consent import CURRENT_VERSION, consent_text
from jikimi.demo.site import FixtureServer, photo_bytes
from tests import evidence_site
from tests.intake_steps import OPENED, open_case, text_of, upload
from tests.portal_fixtures import Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path, models: Path) -> Portal:
    return seeded_portal(tmp_path / "data", demo_site.base_url,
                         faces={"cache_dir": str(models)})


def test_an_operator_opens_a_case_with_the_consent_text_in_both_languages(
        portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        form = client.get("/cases")
        assert form.status_code == 200 and 'name="csrf"' in form.text
        for lang in ("ko", "en"):  # the whole text of the version she accepts, both languages
            assert str(escape(consent_text(CURRENT_VERSION, lang))) in form.text
        assert 'value="in-person"' in form.text and 'value="cli-operator"' not in form.text
        case_id = open_case(client, csrf, note="partner case 17")
        listed = client.get("/cases")
        assert case_id[:12] in listed.text and "대면 확인" in listed.text
        assert "operator-kim" in listed.text and "partner case 17" not in listed.text
    with closing(registry.open_store(portal.settings)) as store:
        case = store.get_case(case_id)
        operator = store.get_account_by_username(portal.usernames["operator"])
        assert case is not None and operator is not None
        assert case.verification.verified_by == f"account:{operator.account_id}"
        assert (case.verification.method, case.consent.version, case.consent.channel) == (
            "in-person", CURRENT_VERSION, "paper")
        events = [(e.action, e.actor, e.detail.get("listed")) for e in
                  store.audit_events(case_id)]
    actor = f"account:{operator.account_id}"
    assert ("case.open", actor, None) in events and ("case.read", actor, True) in events


def test_opening_needs_a_known_method_and_channel_her_consent_and_the_csrf_token(
        portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        for bad in ({"method": "passport M1234567"}, {"method": "cli-operator"},
                    {"consent_channel": "cli"}, {"consent_accepted": ""},
                    {"consent_version": "v99"}):
            answer = client.post("/cases", data={"csrf": csrf, **OPENED, **bad})
            assert answer.status_code == 400, bad
        assert client.post("/cases", data=OPENED).status_code == 403
    with closing(registry.open_store(portal.settings)) as store:
        assert store.list_cases() == []


def test_the_case_page_shows_no_name_until_revealed_and_the_reveal_is_audited(
        portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        enrolled = upload(client, csrf, case_id, [("a.jpg", photo_bytes("person_a_1.jpg"))],
                          name="Kim Secret")
        assert enrolled.status_code == 200
        page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200 and "Kim Secret" not in page.text
        assert f'action="/cases/{case_id}/reveal"' in page.text
        assert client.post(f"/cases/{case_id}/reveal").status_code == 403  # no CSRF token
        shown = client.post(f"/cases/{case_id}/reveal", data={"csrf": csrf})
        assert shown.status_code == 200 and "Kim Secret" in shown.text
        assert client.get("/cases/nothing").status_code == 404
    with closing(registry.open_store(portal.settings)) as store:
        reads = [e.detail["revealed"] for e in store.audit_events(case_id)
                 if e.action == "case.read" and not e.detail.get("listed")]
    assert reads == [False, True]


def test_her_account_is_made_once_with_a_first_password_shown_once(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        early = client.post(f"/cases/{case_id}/invite", data={"csrf": csrf, "username": "ana"})
        assert early.status_code == 409  # not enrolled yet
        upload(client, csrf, case_id, [("a.jpg", photo_bytes("person_a_1.jpg"))])
        assert 'action="/cases/' + case_id + '/invite"' in client.get(f"/cases/{case_id}").text
        assert client.post(f"/cases/{case_id}/invite",
                           data={"username": "ana.kim"}).status_code == 403
        invited = client.post(f"/cases/{case_id}/invite",
                              data={"csrf": csrf, "username": "ana.kim"})
        assert invited.status_code == 200 and "직접 만나서 전달하세요" in text_of(invited.text)
        password = invited.text.split('id="first-password" class="secret">')[1].split("<")[0]
        assert len(password) == 19 and password.count("-") == 3
        again = client.post(f"/cases/{case_id}/invite",
                            data={"csrf": csrf, "username": "ana.other"})
        assert again.status_code == 409
        page = client.get(f"/cases/{case_id}")
        assert password not in page.text and "이미 본인 계정이 있습니다" in page.text
    with portal.client() as client:  # she signs in with it, and sees no review
        sign_in(client, "ana.kim", password)
        assert client.get("/review").status_code == 403
        assert client.get("/cases").status_code == 403
    with closing(registry.open_store(portal.settings)) as store:
        account = store.get_account_by_username("ana.kim")
        assert account is not None and (account.role, account.case_id) == ("victim", case_id)
        [invite] = [e for e in store.audit_events(case_id) if e.action == "case.invite"]
        assert invite.actor.startswith("account:") and invite.detail == {
            "account_id": account.account_id}
        assert password not in repr(store.audit_events()) + repr(store.list_accounts())
    for path in portal.settings.data_dir.rglob("*"):
        assert not path.is_file() or password.encode() not in path.read_bytes()
