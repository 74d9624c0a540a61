"""Cases: opened after verifying who she is, enrolled into, read and ended — every step audited,
no name in any output unless revealed on purpose (issue 11)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from jikimi import cases
from jikimi.cli import main
from jikimi.consent import CURRENT_VERSION
from kernel.errors import CaseError, ConfigError, NotFound
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.face_photos import PHOTOS
from tests.factories import make_person

OPENED = {"verified_by": "operator-kim", "method": "in-person",
          "consent_version": CURRENT_VERSION, "consent_channel": "paper"}


@pytest.fixture
def store() -> SqliteStore:
    return SqliteStore(":memory:", TemplateCipher.generate())


def actions(store: SqliteStore, case_id: str) -> list[tuple[str, str]]:
    return [(e.action, e.actor) for e in store.audit_events(case_id)]


def test_opening_checks_its_fields_and_is_audited(store: SqliteStore) -> None:
    case = cases.open_case(store, "os-user", note="partner case 17", **OPENED)
    assert store.get_case(case.case_id) == case and case.status == "open"
    [event] = store.audit_events(case.case_id)
    assert (event.action, event.actor, event.detail["verified_by"]) == (
        "case.open", "os-user", "operator-kim")
    assert "partner" not in json.dumps(event.detail)
    for bad in ({"method": "passport M1234567"}, {"consent_channel": "carrier pigeon"},
                {"consent_version": "v99"}, {"verified_by": "  "}):
        with pytest.raises(ConfigError):
            cases.open_case(store, "os-user", **(OPENED | bad))
    assert len(store.list_cases()) == 1


def test_reads_are_audited_and_show_no_name_unless_revealed(store: SqliteStore) -> None:
    person = make_person("Kim Secret", email="kim@example.org")
    store.add_person(person, [])
    case = cases.open_case(store, "os-user", note="partner case 17", **OPENED)
    store.update_case(replace(case, person_id=person.person_id))
    hidden = cases.show_case(store, case.case_id, "reader-1")
    assert "Kim Secret" not in json.dumps(hidden) and "partner" not in json.dumps(hidden)
    assert hidden["ref"] == person.ref and hidden["contacts"] == {"email": True, "webhook": False}
    shown = cases.show_case(store, case.case_id, "reader-2", reveal=True)
    assert shown["name"] == "Kim Secret" and shown["note"] == "partner case 17"
    assert shown["contacts"]["email"] == "kim@example.org"
    listed = cases.list_cases(store, "reader-3", "open")
    assert [v["case_id"] for v in listed] == [case.case_id] and "name" not in listed[0]
    reads = [(e.actor, e.detail["revealed"]) for e in store.audit_events(case.case_id)
             if e.action == "case.read"]
    assert sorted(reads) == [("reader-1", False), ("reader-2", True), ("reader-3", False)]
    with pytest.raises(NotFound):
        cases.show_case(store, "nothing", "reader-1")


def test_a_case_takes_one_enrollment_while_open(store: SqliteStore, tmp_path: Path) -> None:
    case = cases.open_case(store, "os-user", **OPENED)
    store.update_case(replace(case, person_id="p-1"))
    with pytest.raises(CaseError, match="already has an enrolled person"):
        cases.case_for_enrollment(store, case.case_id)
    ended = cases.open_case(store, "os-user", **OPENED)
    cases.end_case(store, Settings(data_dir=tmp_path), ended.case_id, "closed", "os-user")
    with pytest.raises(CaseError, match="closed"):
        cases.case_for_enrollment(store, ended.case_id)
    with pytest.raises(NotFound):
        cases.case_for_enrollment(store, "nothing")


# ------------------------------------------------------------------------------ the CLI ---
def jikimi(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    rc = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def os_user(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(cases.getpass, "getuser", lambda: "script-operator")
    return "script-operator"


def test_open_enroll_show_withdraw_through_the_cli(capsys, tmp_path, os_user) -> None:
    data = tmp_path / "data"
    rc, out, _ = jikimi(capsys, data, "case", "open", "--verified-by", "operator-kim",
                        "--method", "video-call", "--consent-version", CURRENT_VERSION,
                        "--consent-channel", "portal", "--note", "센터 2024-113", "--json")
    assert rc == 0
    case_id = json.loads(out)["case_id"]
    rc, out, _ = jikimi(capsys, data, "enroll", "--case", case_id, "--name", "Kim Jihyun",
                        str(PHOTOS / "person_a_1.jpg"), str(PHOTOS / "person_a_2.jpg"))
    enrolled = json.loads(out)
    assert rc == 0 and enrolled["enrolled"] and enrolled["case_id"] == case_id
    assert enrolled["case"]["implicit"] is False and "notice" not in enrolled
    assert [p["code"] for p in enrolled["photos"]] == ["ok", "ok"]

    rc, out, _ = jikimi(capsys, data, "case", "show", case_id, "--json")
    shown = json.loads(out)
    assert shown["person_id"] == enrolled["person_id"] and shown["enrolled"]
    assert shown["verification"]["verified_by"] == "operator-kim"
    assert "Kim Jihyun" not in out and "2024-113" not in out
    rc, out, _ = jikimi(capsys, data, "case", "show", case_id, "--reveal")
    assert "name: Kim Jihyun" in out and "note: 센터 2024-113" in out

    rc, out, _ = jikimi(capsys, data, "enroll", "--case", case_id, "--name", "X",
                        str(PHOTOS / "person_b_1.jpg"))
    assert rc == 2  # one enrollment per case

    rc, out, _ = jikimi(capsys, data, "case", "withdraw", case_id)
    assert rc == 0 and json.loads(out)["removed"]["persons"] == 1
    rc, out, _ = jikimi(capsys, data, "persons", "--json")
    assert json.loads(out) == []
    rc, out, _ = jikimi(capsys, data, "case", "list", "--json")
    [listed] = json.loads(out)
    assert listed["status"] == "withdrawn" and not listed["has_note"]

    with SqliteStore(data / "jikimi.sqlite3", TemplateCipher.from_key_file(
            data / "keys" / "template.key")) as store:
        trail = actions(store, case_id)
    assert sorted(a for a, _ in trail) == sorted([  # events of one second sort by id
        "case.open", "case.enroll", "case.read", "case.read", "case.erase_person",
        "case.withdraw", "case.read"])
    assert {actor for _, actor in trail} == {os_user}


def test_plain_enroll_opens_a_case_for_the_os_user_and_says_so(capsys, tmp_path, os_user):
    data = tmp_path / "data"
    rc, out, _ = jikimi(capsys, data, "enroll", "--name", "Script Person",
                        str(PHOTOS / "person_b_1.jpg"))
    result = json.loads(out)
    assert rc == 0 and result["case"] == {
        "implicit": True, "verified_by": os_user, "method": "cli-operator",
        "consent_version": CURRENT_VERSION, "consent_channel": "cli"}
    assert result["case_id"] in result["notice"] and os_user in result["notice"]
    rc, out, _ = jikimi(capsys, data, "case", "show", result["case_id"], "--json")
    assert json.loads(out)["person_id"] == result["person_id"]


def test_refusals_print_every_verdict_then_one_error_line(capsys, tmp_path, os_user) -> None:
    data = tmp_path / "data"
    rc, out, err = jikimi(capsys, data, "enroll", "--name", "Two People",
                          str(PHOTOS / "person_a_1.jpg"), str(PHOTOS / "impostor_1.jpg"))
    refused = json.loads(out)
    assert rc == 2 and refused == refused | {"enrolled": False, "refused": "photos_disagree"}
    assert [p["code"] for p in refused["photos"]] == ["disagrees", "disagrees"]
    assert refused["message"]["ko"] and "impostor_1.jpg" in err
    assert len(err.strip().splitlines()) == 1


def test_contacts_are_checked_at_enrollment(capsys, tmp_path, os_user) -> None:
    data, photo = tmp_path / "data", str(PHOTOS / "person_b_1.jpg")
    rc, _, err = jikimi(capsys, data, "enroll", "--name", "X", "--email", "x@example.org",
                        photo)
    assert rc == 2 and "no SMTP server" in err
    rc, out, _ = jikimi(capsys, data, "enroll", "--name", "X", "--email", "x@example.org",
                        "--email-outbox-only", photo)
    assert rc == 0 and json.loads(out)["enrolled"]


def test_consent_show(capsys, tmp_path) -> None:
    rc, out, _ = jikimi(capsys, tmp_path, "consent", "show", "--lang", "en")
    assert rc == 0 and out.startswith("# jikimi") and "How to withdraw" in out
    rc, out, _ = jikimi(capsys, tmp_path, "consent", "show")
    assert rc == 0 and "철회하는 방법" in out
    rc, _, err = jikimi(capsys, tmp_path, "consent", "show", "--version", "v99")
    assert rc == 2 and "v99" in err
