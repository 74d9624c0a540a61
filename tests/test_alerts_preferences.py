"""Delivery honours her notification preferences, at moments chosen by an injected clock:
channels switched off, quiet hours that hold her channels (never the organisation's outbox),
and a daily digest that gathers her alerts into one message while every alert keeps its own,
idempotent delivery records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from jikimi.alerts import deliver_pending
from jikimi.alerts.outbox import OutboxNotifier
from jikimi.erasure import forget_person
from kernel.errors import DeliveryError
from kernel.ports import AlertMessage
from kernel.preferences import NotificationPreferences
from kernel.records import Alert, Person
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_alert, make_case, make_face, make_hit, make_media, make_person
from tests.test_alerts_timing import kst


class Channel:
    """A personal channel (e-mail or webhook) that keeps what it was asked to send."""

    def __init__(self, channel: str, *, failing: bool = False) -> None:
        self.channel = channel
        self.failing = failing
        self.sent: list[AlertMessage] = []
        self.tried: list[AlertMessage] = []

    def wants(self, person: Person) -> bool:
        return bool(person.email if self.channel == "email" else person.webhook)

    def send(self, person: Person, message: AlertMessage) -> None:
        self.tried.append(message)
        if self.failing:
            raise DeliveryError(f"{self.channel}: the server is down")
        self.sent.append(message)


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    store = SqliteStore(":memory:", TemplateCipher.generate())
    yield store
    store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def enrolled(store: SqliteStore, **prefs: object) -> Person:
    person = make_person(name="김지현", webhook="https://hooks.example.org/x")
    store.add_person(person, [])
    case = make_case(person.person_id)
    store.add_case(case)
    if prefs:
        store.save_preferences(NotificationPreferences(case.case_id, **prefs))  # type: ignore[arg-type]
    return person


def alert_at(store: SqliteStore, person: Person, n: int, created: datetime) -> Alert:
    alert = make_alert(person.person_id, f"{n:064x}", created_at=created,
                       page_url=f"https://site{n}.example.org/page/{n}.html")
    assert store.add_alert(alert)
    return alert


def status(store: SqliteStore) -> dict[str, tuple[str, list[str]]]:
    return {a.alert_id: (a.status, sorted(a.delivered_channels)) for a in store.alerts()}


def test_without_preferences_everything_goes_at_once_as_before(
        store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store)
    alert = alert_at(store, person, 1, kst(1, 2))
    email = Channel("email")
    report = deliver_pending(store, [email], settings, now=kst(1, 3))
    assert report.sent == 1 and [m.alert_id for m in email.sent] == [alert.alert_id]


def test_quiet_hours_hold_her_channels_but_not_the_outbox(
        store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store, quiet_start=22 * 60, quiet_end=7 * 60)
    alert = alert_at(store, person, 1, kst(1, 23))
    email, outbox = Channel("email"), OutboxNotifier(settings.outbox_dir)
    night = deliver_pending(store, [outbox, email], settings, now=kst(1, 23, 5))
    assert email.sent == [] and (settings.outbox_dir / f"{alert.alert_id}.json").exists()
    assert (night.pending, night.waiting, night.errors) == (1, 1, [])
    assert status(store)[alert.alert_id] == ("pending", ["outbox"])
    deliver_pending(store, [outbox, email], settings, now=kst(2, 6, 59))
    assert email.sent == []
    morning = deliver_pending(store, [outbox, email], settings, now=kst(2, 7, 0))
    assert morning.sent == 1 and [m.alert_id for m in email.sent] == [alert.alert_id]
    assert status(store)[alert.alert_id] == ("sent", ["email", "outbox"])


def test_a_channel_she_switched_off_is_not_used(store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store, email=False)
    alert_at(store, person, 1, kst(1, 9))
    email, hook = Channel("email"), Channel("webhook")
    assert deliver_pending(store, [email, hook], settings, now=kst(1, 10)).sent == 1
    assert email.sent == [] and len(hook.sent) == 1


def test_with_every_channel_off_alerts_wait_quietly(store: SqliteStore,
                                                    settings: Settings) -> None:
    person = enrolled(store, email=False, webhook=False)
    alert_at(store, person, 1, kst(1, 9))
    report = deliver_pending(store, [Channel("email"), Channel("webhook")], settings,
                             now=kst(1, 10))
    assert (report.sent, report.pending, report.waiting, report.errors) == (0, 1, 1, [])


def test_the_daily_digest_gathers_what_came_before_its_hour(
        store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store, mode="digest", digest_hour=9, webhook=False)
    early = alert_at(store, person, 1, kst(1, 7))
    earlier = alert_at(store, person, 2, kst(1, 1))
    late = alert_at(store, person, 3, kst(1, 10))
    email, outbox = Channel("email"), OutboxNotifier(settings.outbox_dir)
    channels = [outbox, email]

    before = deliver_pending(store, channels, settings, now=kst(1, 8, 30))
    assert email.sent == [] and before.waiting == 3 and before.digests == 0
    assert len(list(settings.outbox_dir.glob("*.json"))) == 3  # the organisation's copies

    at_nine = deliver_pending(store, channels, settings, now=kst(1, 9, 5))
    [digest] = email.sent
    assert at_nine.digests == 1 and at_nine.deliveries == 1 and at_nine.sent == 2
    assert digest.payload["kind"] == "digest" and digest.payload["count"] == 2
    assert [a["alert_id"] for a in digest.payload["alerts"]] == [  # type: ignore[union-attr]
        earlier.alert_id, early.alert_id]
    assert status(store) == {earlier.alert_id: ("sent", ["email", "outbox"]),
                             early.alert_id: ("sent", ["email", "outbox"]),
                             late.alert_id: ("pending", ["outbox"])}

    for moment in (kst(1, 9, 35), kst(1, 18), kst(2, 8, 59)):  # one digest a day
        deliver_pending(store, channels, settings, now=moment)
    assert len(email.sent) == 1
    deliver_pending(store, channels, settings, now=kst(2, 9, 0))
    assert len(email.sent) == 2 and email.sent[1].payload["count"] == 1
    assert status(store)[late.alert_id] == ("sent", ["email", "outbox"])
    [alert] = [a for a in store.alerts() if a.alert_id == early.alert_id]
    assert alert.attempts == 2  # one outbox write, one digest: per-alert records stay true


def test_a_failed_digest_is_retried_with_the_same_key_and_counts_per_alert(
        store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store, mode="digest", digest_hour=9)
    first, second = alert_at(store, person, 1, kst(1, 7)), alert_at(store, person, 2, kst(1, 8))
    email, hook = Channel("email"), Channel("webhook", failing=True)
    report = deliver_pending(store, [email, hook], settings, now=kst(1, 9))
    assert report.digests == 1 and report.sent == 0 and report.pending == 2
    assert len(report.errors) == 1 and "digest of 2" in report.errors[0]
    assert status(store) == {first.alert_id: ("pending", ["email"]),
                             second.alert_id: ("pending", ["email"])}
    hook.failing = False
    retry = deliver_pending(store, [email, hook], settings, now=kst(1, 9, 30))
    assert retry.sent == 2 and len(email.sent) == 1 and len(hook.sent) == 1
    [failed, went] = hook.tried
    assert failed.alert_id == went.alert_id  # the same idempotency key on the retry
    assert all(a.attempts == 3 for a in store.alerts())


def test_a_digest_that_keeps_failing_gives_up_like_an_alert(
        store: SqliteStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", alerts={"max_attempts": 2})
    person = enrolled(store, mode="digest", webhook=False)
    alert_at(store, person, 1, kst(1, 7))
    email = Channel("email", failing=True)
    assert deliver_pending(store, [email], settings, now=kst(1, 9)).pending == 1
    assert deliver_pending(store, [email], settings, now=kst(1, 10)).failed == 1


def test_the_digest_text_follows_the_alert_rules(store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store, mode="digest", webhook=False)
    alert_at(store, person, 1, kst(1, 7))
    alert_at(store, person, 2, kst(1, 8))
    email = Channel("email")
    deliver_pending(store, [email], settings, now=kst(1, 9))
    [digest] = email.sent
    text = digest.text
    assert text.startswith("※ 주의") and text.index("[한국어]") < text.index("[English]")
    assert "site1.example.org" in text and "https://site2.example.org/page/2.html" in text
    assert "2024-05-01 07:00 KST" in text
    assert settings.alerts.support_text in text
    body = json.dumps(digest.payload, ensure_ascii=False) + text + digest.subject
    for secret in ("김지현", "similarity", "0.6", "test-model", "base64", "<img"):
        assert secret not in body


def test_an_alert_whose_hit_was_rejected_since_is_withdrawn(
        store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store, quiet_start=0, quiet_end=8 * 60)
    media = make_media(b"rejected later")
    store.upsert_media(media)
    face = make_face(media.media_id)
    store.save_enrichment(media, [face])
    hit = make_hit(person.person_id, face)
    store.upsert_hit(hit)
    store.set_review_state(hit.hit_id, "confirmed", reviewer="operator")
    alert = make_alert(person.person_id, media.media_id, created_at=kst(1, 1))
    store.add_alert(alert)
    email = Channel("email")
    deliver_pending(store, [email], settings, now=kst(1, 2))  # quiet: it waits
    store.set_review_state(hit.hit_id, "rejected", reviewer="account:her")
    report = deliver_pending(store, [email], settings, now=kst(1, 9))
    assert report.withdrawn == 1 and email.sent == []
    assert status(store)[alert.alert_id] == ("withdrawn", [])


def test_erasure_takes_her_preferences_too(store: SqliteStore, settings: Settings) -> None:
    person = enrolled(store, mode="digest")
    case = store.case_of_person(person.person_id)
    assert case is not None and store.get_preferences(case.case_id) is not None
    assert forget_person(store, settings, person.person_id, "test")["preferences"] == 1
    assert store.get_preferences(case.case_id) is None
