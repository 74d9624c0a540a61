"""Alerts: tell an enrolled person (and the NGO's operators) that media appearing to show them was
found, through every channel that applies to them, without ever sending the imagery itself.

The channels (`outbox`, `smtp`, `webhook` in this folder) are `kernel.ports.Notifier` adapters
that `jikimi.registry.open_notifiers` chooses from `alerts.*`; delivery here takes them as a list.

Delivery is **at-least-once**. For each pending alert and each channel that wants the person and
has not yet delivered it, :func:`deliver_pending` sends and *then* records the delivery in the
store. A crash between the two means that channel sends once more on the next run, so every
channel is idempotent on the alert id: the outbox file is named after it (rewritten in place),
the e-mail's `Message-ID` and the webhook's `Idempotency-Key` are derived from it, so receivers can
drop the duplicate. Channels that already delivered are never re-sent; a failed channel is retried
on later runs until the alert has `alerts.max_attempts` failed channel attempts, then the alert is
marked "failed" (channels that did deliver stay recorded). One failing alert or channel never stops
the others.

Her notification preferences (`kernel.preferences`, set on the portal) decide when and how her
own channels (e-mail, webhook) speak; the outbox is the organisation's copy and is written at
once whatever she chose (`timing.py` has the rules). A channel she switched off is not used;
during her quiet hours her channels wait; in digest mode they send one message a day holding
every alert due (`digest.py`), and each alert in it is recorded as delivered on that channel,
so per-alert delivery records stay what they were. An alert whose hits an operator or she
herself has since rejected (or marked not sexual) is never sent: it becomes "withdrawn".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jikimi.alerts.digest import DigestItem, render_digest
from jikimi.alerts.message import render_message
from jikimi.alerts.timing import channel_plan, digest_slot
from kernel import chaos
from kernel.errors import DeliveryError, JikimiError
from kernel.ports import AlertMessage, Notifier, Store
from kernel.preferences import NotificationPreferences
from kernel.records import CONFIRMED_STATES, Alert, Person
from kernel.settings import Settings
from kernel.timeranges import media_time_ranges

__all__ = ["DeliveryReport", "alert_time_ranges", "deliver_pending", "preferences_of",
           "render_message"]

log = logging.getLogger(__name__)
# Review states in which a hit is not hers to hear about: an alert whose hits are all in them
# is withdrawn before it goes out.
NOT_HERS = frozenset({"rejected", "not_sexual"})


@dataclass
class DeliveryReport:
    """Outcome of one :func:`deliver_pending` run.

    `sent`, `failed`, `pending`: alerts that are now fully delivered, given up on, or still waiting
    for a retry. `deliveries`: successful channel sends in this run. `errors`: one line per failed
    channel attempt or unusable alert. `waiting`: pending alerts held by her preferences (quiet
    hours, the digest's hour, channels switched off). `digests`: digest messages sent.
    `withdrawn`: alerts not sent because their hits were rejected since.
    """

    sent: int = 0
    failed: int = 0
    pending: int = 0
    deliveries: int = 0
    errors: list[str] = field(default_factory=list)
    waiting: int = 0
    digests: int = 0
    withdrawn: int = 0


def deliver_pending(store: Store, notifiers: list[Notifier], settings: Settings, *,
                    now: datetime | None = None) -> DeliveryReport:
    """Deliver every pending alert on every channel that wants its person and has not delivered,
    as her preferences allow at `now` (default: the current time)."""
    moment = now or datetime.now(UTC)
    report = DeliveryReport()
    by_person: dict[str, list[Alert]] = {}
    chaos.point("alert.start")
    for alert in store.alerts(status="pending"):
        by_person.setdefault(alert.person_id, []).append(alert)
    for alerts in by_person.values():
        try:
            _deliver_person(store, notifiers, settings, alerts, moment, report)
        except JikimiError as exc:  # e.g. the store cannot decrypt the person's contacts
            report.pending += len(alerts)
            report.errors += [f"alert {alert.alert_id}: {exc}" for alert in alerts]
    return report


def preferences_of(store: Store, person_id: str) -> NotificationPreferences:
    """Her case's stored preferences, or the defaults (everything at once, no quiet hours)."""
    case = store.case_of_person(person_id)
    stored = store.get_preferences(case.case_id) if case is not None else None
    return stored or NotificationPreferences(case.case_id if case is not None else "")


def _deliver_person(store: Store, notifiers: list[Notifier], settings: Settings,
                    alerts: list[Alert], moment: datetime, report: DeliveryReport) -> None:
    person = store.get_person(alerts[0].person_id)
    if person is None:  # erasure removes alerts too, so these are dangling records
        for alert in alerts:
            store.set_alert_status(alert.alert_id, "failed")
            report.failed += 1
            report.errors.append(f"alert {alert.alert_id}: its person is no longer enrolled")
        return
    prefs = preferences_of(store, person.person_id)
    reachable = [n for n in notifiers if n.wants(person)]
    wanted = [n for n in reachable if prefs.allows(n.channel)]
    plans = {n.channel: channel_plan(n.channel, prefs, moment) for n in wanted}
    items: list[DigestItem] = []
    for alert in alerts:
        item = _item(store, settings, alert)
        if item is None:
            report.withdrawn += 1
        elif not wanted:
            report.pending += 1
            if reachable:  # she switched every channel that reaches her off: hold, quietly
                report.waiting += 1
            else:
                report.errors.append(
                    f"alert {alert.alert_id}: no channel applies to this person "
                    "(enable alerts.outbox or add an e-mail or webhook)")
        else:
            items.append(item)
    delivered = {i.alert.alert_id: set(i.alert.delivered_channels) for i in items}
    failures = dict.fromkeys(delivered, 0)
    for item in items:
        now_channels = [n for n in wanted if plans[n.channel] == "now"]
        message = render_message(item.alert, person, settings, item.time_ranges,
                                 reviewed=item.reviewed, score_basis=item.score_basis)
        _send(store, now_channels, person, message, [item.alert.alert_id], delivered, failures,
              report)
    slot = digest_slot(prefs, moment)
    for notifier in (n for n in wanted if plans[n.channel] == "digest"):
        due = [i for i in items if notifier.channel not in delivered[i.alert.alert_id]
               and _aware(i.alert.created_at) < slot]
        if due:
            digest = render_digest(person, notifier.channel, due, settings)
            if _send(store, [notifier], person, digest, [i.alert.alert_id for i in due],
                     delivered, failures, report):
                report.digests += 1
    for item in items:
        _settle(store, item.alert, wanted, delivered[item.alert.alert_id],
                failures[item.alert.alert_id], settings, report)


def _item(store: Store, settings: Settings, alert: Alert) -> DigestItem | None:
    """What the alert's text needs; None (and the alert withdrawn) when every hit of hers on the
    media was rejected or found not sexual after the alert was recorded."""
    hits = [hit for hit in store.hits(alert.person_id) if hit.media_id == alert.media_id]
    if hits and all(hit.review_state in NOT_HERS for hit in hits):
        store.set_alert_status(alert.alert_id, "withdrawn")
        return None
    media = store.get_media(alert.media_id)
    return DigestItem(alert, alert_time_ranges(store, alert, settings),
                      reviewed=any(hit.review_state in CONFIRMED_STATES for hit in hits),
                      score_basis=media.score_basis if media else "none")


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _send(store: Store, channels: Sequence[Notifier], person: Person, message: AlertMessage,
          alert_ids: list[str], delivered: dict[str, set[str]], failures: dict[str, int],
          report: DeliveryReport) -> bool:
    """Send one message on each channel not yet delivered for all of `alert_ids`; record the
    outcome on every one of them. True when every channel delivered."""
    ok = True
    for notifier in channels:
        if all(notifier.channel in delivered[a] for a in alert_ids):
            continue
        try:
            notifier.send(person, message)
            chaos.point("alert.sent")
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a notifier bug must not stop the other channels and alerts
            log.exception("notifier %s crashed on %s", notifier.channel, message.alert_id)
            error = f"{notifier.channel}: unexpected {type(exc).__name__}: {exc}"
        else:
            for alert_id in alert_ids:
                store.record_delivery(alert_id, notifier.channel, ok=True)
                chaos.point("alert.delivery_recorded")
                delivered[alert_id].add(notifier.channel)
            report.deliveries += 1
            continue
        ok = False
        for alert_id in alert_ids:
            failures[alert_id] += 1
            store.record_delivery(alert_id, notifier.channel, ok=False, error=error)
        what = "alert" if alert_ids == [message.alert_id] else f"digest of {len(alert_ids)}"
        report.errors.append(f"{what} {message.alert_id}: {error}")
    return ok


def _settle(store: Store, alert: Alert, wanted: list[Notifier], delivered: set[str],
            failures: int, settings: Settings, report: DeliveryReport) -> None:
    if all(n.channel in delivered for n in wanted):
        store.set_alert_status(alert.alert_id, "sent")
        chaos.point("alert.settled")
        report.sent += 1
    elif failures and _failed_attempts(store, alert, failures) >= settings.alerts.max_attempts:
        store.set_alert_status(alert.alert_id, "failed")
        report.failed += 1
    else:
        report.pending += 1
        if not failures:
            report.waiting += 1


def alert_time_ranges(
    store: Store, alert: Alert, settings: Settings
) -> list[tuple[float, float]]:
    """Where in a video the person's matching frames are (empty for a still image): read from
    the hits at delivery time, so frames matched after the alert was recorded are included."""
    times = [t for hit in store.hits(alert.person_id) if hit.media_id == alert.media_id
             for t in hit.frame_times]
    if not times:
        return []
    return media_time_ranges(times, store.get_media(alert.media_id), settings.video.sample_fps)


def _failed_attempts(store: Store, alert: Alert, failures_now: int) -> int:
    """Failed channel attempts so far, this run included.

    The store counts every recorded attempt; a channel records success once and is then never
    tried again, so attempts minus delivered channels is the number of failures.
    """
    for current in store.alerts(person_id=alert.person_id, status="pending"):
        if current.alert_id == alert.alert_id:
            return current.attempts - len(current.delivered_channels)
    return alert.attempts - len(alert.delivered_channels) + failures_now
