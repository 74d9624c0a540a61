"""Per-receiver webhook secrets (issue 13, finding 5): with one shared HMAC secret, any receiver
could forge signed alerts to the others. Real enrollments through the CLI, real local receivers
that verify signatures as a receiver would, and the SQLite file itself after erasure."""

from __future__ import annotations

import ipaddress
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path

import pytest
from pydantic import SecretStr

from jikimi import cases, contacts, registry
from jikimi.alerts.message import render_message
from jikimi.alerts.webhook import WebhookNotifier, sign, verify_signature
from jikimi.cli import main
from kernel.errors import DeliveryError
from kernel.records import Alert, Person
from kernel.settings import AlertSettings, Settings
from tests.alerts_servers import WEBHOOK_SECRET, WebhookReceiver, webhook_server
from tests.face_photos import PHOTOS

HOOK_A, HOOK_B = "https://hooks.ngo-a.example/in", "https://hooks.ngo-b.example/in"


def jikimi(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> dict:
    assert main(["--data-dir", str(data), *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def enrolled(capsys: pytest.CaptureFixture[str], tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict, dict]:
    """Two people enrolled with a webhook each: the JSON `jikimi enroll` printed for each."""
    monkeypatch.setattr(cases.getpass, "getuser", lambda: "script-operator")
    # the receivers' names are examples: answer them with a public address, as DNS would
    monkeypatch.setattr(contacts, "resolve", lambda host: [ipaddress.ip_address("93.184.216.34")])
    data = tmp_path / "data"
    a = jikimi(capsys, data, "enroll", "--name", "A", "--webhook", HOOK_A,
               str(PHOTOS / "person_a_1.jpg"))
    b = jikimi(capsys, data, "enroll", "--name", "B", "--webhook", HOOK_B,
               str(PHOTOS / "person_b_1.jpg"))
    return data, a, b


@pytest.fixture
def receivers() -> Iterator[list[WebhookReceiver]]:
    """Two receivers; each test gives each one the secret it was handed."""
    with ExitStack() as stack:
        yield [stack.enter_context(webhook_server()) for _ in range(2)]


def stored(data: Path, person_id: str) -> Person:
    with closing(registry.open_store(Settings(data_dir=data))) as store:
        person = store.get_person(person_id)
    assert person is not None
    return person


def notifier(shared: str | None = None) -> WebhookNotifier:
    return WebhookNotifier(Settings(
        alerts=AlertSettings(webhook_secret=SecretStr(shared) if shared else None,
                             webhook_timeout=5,
                             webhook_allow_private=True)))  # the receivers listen on 127.0.0.1


def deliver(person: Person, receiver: WebhookReceiver, shared: str | None = None) -> None:
    """Send one alert for `person` (signed as jikimi signs it) to `receiver`."""
    alert = Alert(person_id=person.person_id, media_id="56" * 32, similarity=0.6,
                  model_id="m", media_url="https://cdn.example.net/a.jpg",
                  page_url="https://board.example.com/t/1")
    to = Person(person_id=person.person_id, name=person.name, ref=person.ref,
                webhook=f"{receiver.base_url}/hook", webhook_secret=person.webhook_secret)
    notifier(shared).send(to, render_message(alert, to, Settings()))


def test_enrollment_issues_each_webhook_its_own_secret_shown_once(
        enrolled: tuple[Path, dict, dict], capsys: pytest.CaptureFixture[str]) -> None:
    data, a, b = enrolled
    assert len(a["webhook_secret"]) >= 43 and a["webhook_secret"] != b["webhook_secret"]
    assert "shown once" in a["webhook_secret_notice"]
    assert stored(data, a["person_id"]).webhook_secret == a["webhook_secret"]
    state = jikimi(capsys, data, "contacts", "webhook-secret", a["person_id"])
    assert state["signed_with"] == "own secret" and a["webhook_secret"] not in json.dumps(state)
    files = b"".join(p.read_bytes() for p in sorted(data.glob("jikimi.sqlite3*/**/*"))
                      + sorted(data.glob("jikimi.sqlite3*")) if p.is_file())
    assert files and a["webhook_secret"].encode() not in files  # stored encrypted


def test_each_receiver_verifies_only_its_own_secret(
        enrolled: tuple[Path, dict, dict], receivers: list[WebhookReceiver]) -> None:
    data, a, b = enrolled
    at_a, at_b = receivers
    at_a.secret, at_b.secret = a["webhook_secret"], b["webhook_secret"]
    person_a, person_b = stored(data, a["person_id"]), stored(data, b["person_id"])
    deliver(person_a, at_a)
    deliver(person_b, at_b)
    # receiver A, knowing only its own secret, forges an alert to B: B refuses it
    with pytest.raises(DeliveryError, match="HTTP 401"):
        deliver(person_a, at_b)
    assert [r.verified for r in at_a.requests] == [True]
    assert [r.verified for r in at_b.requests] == [True, False]


def test_rotation_changes_the_signature_and_retires_the_old_secret(
        enrolled: tuple[Path, dict, dict], receivers: list[WebhookReceiver],
        capsys: pytest.CaptureFixture[str]) -> None:
    data, a, _ = enrolled
    old = a["webhook_secret"]
    with_old, with_new = receivers
    with_old.secret = old
    deliver(stored(data, a["person_id"]), with_old)  # before rotation: verifies
    rotated = jikimi(capsys, data, "contacts", "webhook-secret", a["person_id"], "--rotate")
    new = with_new.secret = rotated["webhook_secret"]
    assert new != old and "shown once" in rotated["notice"]
    person = stored(data, a["person_id"])
    with pytest.raises(DeliveryError, match="HTTP 401"):
        deliver(person, with_old)
    deliver(person, with_new)
    assert [r.verified for r in with_old.requests] == [True, False]
    assert [r.verified for r in with_new.requests] == [True]
    before, after = with_old.requests[0], with_new.requests[0]
    assert after.headers["X-Jikimi-Signature"] == sign(
        new.encode(), after.headers["X-Jikimi-Timestamp"], after.body)
    assert after.headers["X-Jikimi-Signature"] != sign(
        old.encode(), after.headers["X-Jikimi-Timestamp"], after.body)
    assert not verify_signature(new.encode(), before.headers["X-Jikimi-Timestamp"], before.body,
                                before.headers["X-Jikimi-Signature"])
    with closing(registry.open_store(Settings(data_dir=data))) as store:
        events = store.audit_events(a["case_id"])
    [event] = [e for e in events if e.action == "contact.webhook_secret_rotated"]
    assert event.actor == "script-operator" and event.detail["replaced"] == "own"
    assert old not in str(events) and new not in str(events)


def test_forget_erases_the_secret_with_her(enrolled: tuple[Path, dict, dict],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data, a, b = enrolled
    jikimi(capsys, data, "forget", a["person_id"])
    with closing(sqlite3.connect(data / "jikimi.sqlite3")) as db:
        rows = db.execute("SELECT person_id, webhook_secret FROM persons").fetchall()
    assert [r[0] for r in rows] == [b["person_id"]] and rows[0][1] is not None
    assert main(["--data-dir", str(data), "contacts", "webhook-secret", a["person_id"],
                 "--rotate"]) == 2
    assert "no enrolled person" in capsys.readouterr().err


def test_people_enrolled_before_fall_back_to_the_shared_secret_with_a_warning(
        receivers: list[WebhookReceiver], caplog: pytest.LogCaptureFixture) -> None:
    before = Person(person_id="p-old", name="Old", ref="P-old")  # no secret of her own
    with caplog.at_level(logging.WARNING, logger="jikimi.alerts.webhook"):
        deliver(before, receivers[0], shared=WEBHOOK_SECRET)
    assert [r.verified for r in receivers[0].requests] == [True]
    assert "shared alerts.webhook_secret" in caplog.text and "--rotate" in caplog.text
    assert WEBHOOK_SECRET not in caplog.text
    with pytest.raises(DeliveryError, match="refusing unsigned"):
        deliver(before, receivers[1])
    assert receivers[1].requests == []
