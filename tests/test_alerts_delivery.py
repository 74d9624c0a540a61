"""deliver_pending against the real SQLite store and real receivers: retries only what failed,
gives up after max_attempts, isolates failures, and survives a run killed between send and record.
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from jikimi.alerts import DeliveryReport, deliver_pending
from jikimi.alerts.outbox import OutboxNotifier
from jikimi.alerts.smtp import SmtpNotifier
from jikimi.alerts.webhook import WebhookNotifier
from jikimi.registry import open_notifiers
from kernel.ports import AlertMessage, Notifier
from kernel.records import Alert, Person
from kernel.settings import AlertSettings, Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.alerts_servers import (
    WEBHOOK_SECRET,
    SmtpCollector,
    WebhookReceiver,
    free_port,
    smtp_server,
    webhook_server,
)
from tests.factories import make_alert, make_person


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    store = SqliteStore(":memory:", TemplateCipher.generate())
    yield store
    store.close()


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpCollector, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_server() as receiver:
        yield receiver


def make_settings(tmp_path: Path, smtp_port: int | None = None, max_attempts: int = 5) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        alerts=AlertSettings(
            webhook_allow_private=True,  # receivers listen on 127.0.0.1
            smtp_host="127.0.0.1" if smtp_port else None, smtp_port=smtp_port or 25,
            smtp_timeout=5, webhook_secret=SecretStr(WEBHOOK_SECRET), webhook_timeout=5,
            max_attempts=max_attempts,
        ),
    )


def enroll_with_alert(store: SqliteStore, webhook: str | None, **person: Any) -> Alert:
    someone = make_person(webhook=webhook, **person)
    store.add_person(someone, [])
    alert = make_alert(someone.person_id, f"{someone.person_id:0<64}"[:64])
    assert store.add_alert(alert)
    return alert


def only_alert(store: SqliteStore) -> Alert:
    [alert] = store.alerts()
    return alert


def outbox_files(settings: Settings) -> list[Path]:
    return sorted(settings.outbox_dir.glob("*"))


def test_build_notifiers_follows_settings(tmp_path: Path) -> None:
    default = open_notifiers(Settings(data_dir=tmp_path))
    assert [n.channel for n in default] == ["outbox", "webhook"]
    full = open_notifiers(make_settings(tmp_path, smtp_port=2525))
    assert [type(n) for n in full] == [OutboxNotifier, SmtpNotifier, WebhookNotifier]
    no_outbox = open_notifiers(Settings(alerts=AlertSettings(outbox=False, smtp_host="mx")))
    assert [n.channel for n in no_outbox] == ["email", "webhook"]


def test_failed_channel_alone_is_retried_on_the_next_run(
    tmp_path: Path, store: SqliteStore, smtp: tuple[SmtpCollector, int], hook: WebhookReceiver,
) -> None:
    settings = make_settings(tmp_path, smtp_port=smtp[1])
    alert = enroll_with_alert(store, f"{hook.base_url}/hook")
    notifiers = open_notifiers(settings)
    hook.fail_next = 1

    first = deliver_pending(store, notifiers, settings)
    assert (first.sent, first.failed, first.pending, first.deliveries) == (0, 0, 1, 2)
    assert len(first.errors) == 1 and "HTTP 503" in first.errors[0]
    stored = only_alert(store)
    assert stored.status == "pending" and stored.delivered_channels == ["outbox", "email"]
    assert stored.last_error is not None and "HTTP 503" in stored.last_error

    second = deliver_pending(store, notifiers, settings)
    assert (second.sent, second.failed, second.pending, second.deliveries) == (1, 0, 0, 1)
    assert second.errors == []
    stored = only_alert(store)
    assert stored.status == "sent"
    assert sorted(stored.delivered_channels) == ["email", "outbox", "webhook"]
    assert len(smtp[0].envelopes) == 1  # e-mail was not sent again
    assert [r.verified for r in hook.requests] == [True, True]
    assert [p.name for p in outbox_files(settings)] == [f"{alert.alert_id}.json"]

    assert deliver_pending(store, notifiers, settings) == DeliveryReport()  # nothing pending


def test_alert_fails_after_max_attempts(
    tmp_path: Path, store: SqliteStore, hook: WebhookReceiver,
) -> None:
    settings = make_settings(tmp_path, max_attempts=2)
    enroll_with_alert(store, f"{hook.base_url}/hook")
    notifiers = open_notifiers(settings)
    hook.fail_next = 100

    assert deliver_pending(store, notifiers, settings).pending == 1
    report = deliver_pending(store, notifiers, settings)
    assert (report.sent, report.failed, report.pending) == (0, 1, 0)
    stored = only_alert(store)
    assert stored.status == "failed" and stored.delivered_channels == ["outbox"]
    assert stored.attempts == 3  # outbox once, webhook twice

    deliver_pending(store, notifiers, settings)  # a failed alert is left alone
    assert len(hook.requests) == 2


class BrokenNotifier:
    """A notifier with a bug: it raises something other than DeliveryError."""

    channel = "broken"

    def wants(self, person: Person) -> bool:
        return person.ref.endswith("broken")

    def send(self, person: Person, message: AlertMessage) -> None:
        raise RuntimeError("bug in notifier")


def test_one_failing_alert_or_channel_does_not_stop_the_others(
    tmp_path: Path, store: SqliteStore, hook: WebhookReceiver,
) -> None:
    settings = make_settings(tmp_path)
    unreachable = enroll_with_alert(store, f"http://127.0.0.1:{free_port()}/hook")
    buggy = enroll_with_alert(store, None, ref="case-broken")
    fine = enroll_with_alert(store, f"{hook.base_url}/hook")
    notifiers: list[Notifier] = [*open_notifiers(settings), BrokenNotifier()]

    report = deliver_pending(store, notifiers, settings)
    assert (report.sent, report.pending) == (1, 2)
    assert len(report.errors) == 2
    assert any("Connection refused" in e for e in report.errors)
    assert any("unexpected RuntimeError: bug in notifier" in e for e in report.errors)
    status = {a.alert_id: (a.status, sorted(a.delivered_channels)) for a in store.alerts()}
    assert status == {
        unreachable.alert_id: ("pending", ["outbox"]),
        buggy.alert_id: ("pending", ["outbox"]),
        fine.alert_id: ("sent", ["outbox", "webhook"]),
    }
    assert len(outbox_files(settings)) == 3


def test_unreachable_person_and_missing_person(tmp_path: Path, store: SqliteStore) -> None:
    settings = make_settings(tmp_path)
    no_contact = enroll_with_alert(store, None, email=None)
    orphan = make_alert("person-who-was-never-enrolled", "f" * 64)
    store.add_alert(orphan)
    notifiers: list[Notifier] = [WebhookNotifier(settings)]  # no outbox: nothing applies

    report = deliver_pending(store, notifiers, settings)
    assert (report.sent, report.failed, report.pending) == (0, 1, 1)
    assert any("no channel applies" in e for e in report.errors)
    assert any("no longer enrolled" in e for e in report.errors)
    status = {a.alert_id: a.status for a in store.alerts()}
    assert status == {no_contact.alert_id: "pending", orphan.alert_id: "failed"}


class DiesAfterSending:
    """Sends through the real notifier, then the process 'dies' before the delivery is recorded."""

    def __init__(self, inner: Notifier, death: BaseException) -> None:
        self.inner, self.death, self.channel = inner, death, inner.channel

    def wants(self, person: Person) -> bool:
        return self.inner.wants(person)

    def send(self, person: Person, message: AlertMessage) -> None:
        self.inner.send(person, message)
        raise self.death


def test_killed_after_outbox_write_then_restarted(tmp_path: Path, store: SqliteStore) -> None:
    settings = make_settings(tmp_path)
    alert = enroll_with_alert(store, None)
    outbox = OutboxNotifier(settings.outbox_dir)

    with pytest.raises(KeyboardInterrupt):
        deliver_pending(store, [DiesAfterSending(outbox, KeyboardInterrupt())], settings)
    assert only_alert(store).delivered_channels == []  # sent, but never recorded
    assert store.add_alert(make_alert(alert.person_id, alert.media_id)) is False  # re-match

    report = deliver_pending(store, [outbox], settings)
    assert (report.sent, report.deliveries) == (1, 1)
    stored = only_alert(store)
    assert stored.alert_id == alert.alert_id and stored.status == "sent"
    assert [p.name for p in outbox_files(settings)] == [f"{alert.alert_id}.json"]


def test_killed_after_email_then_restarted_resends_same_message_id(
    tmp_path: Path, store: SqliteStore, smtp: tuple[SmtpCollector, int],
) -> None:
    settings = make_settings(tmp_path, smtp_port=smtp[1])
    enroll_with_alert(store, None)
    outbox, mail = OutboxNotifier(settings.outbox_dir), SmtpNotifier(settings.alerts)

    with pytest.raises(SystemExit):
        deliver_pending(store, [outbox, DiesAfterSending(mail, SystemExit(137))], settings)
    assert only_alert(store).delivered_channels == ["outbox"]

    report = deliver_pending(store, [outbox, mail], settings)
    assert (report.sent, report.deliveries) == (1, 1)  # only the e-mail went out again
    ids = [email.message_from_bytes(e.content)["Message-ID"] for e in smtp[0].envelopes]
    assert len(ids) == 2 and ids[0] == ids[1]  # the receiver can drop the duplicate
    assert len(store.alerts()) == 1 and len(outbox_files(settings)) == 1
