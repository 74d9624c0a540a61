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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from jikimi.alerts.message import render_message
from kernel.errors import DeliveryError, JikimiError
from kernel.ports import Notifier, Store
from kernel.records import CONFIRMED_STATES, Alert
from kernel.settings import Settings
from kernel.timeranges import media_time_ranges

__all__ = ["DeliveryReport", "alert_time_ranges", "deliver_pending", "render_message"]

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """Outcome of one :func:`deliver_pending` run.

    `sent`, `failed`, `pending`: alerts that are now fully delivered, given up on, or still waiting
    for a retry. `deliveries`: successful channel sends in this run. `errors`: one line per failed
    channel attempt or unusable alert.
    """

    sent: int = 0
    failed: int = 0
    pending: int = 0
    deliveries: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_pending(store: Store, notifiers: list[Notifier], settings: Settings) -> DeliveryReport:
    """Deliver every pending alert on every channel that wants its person and has not delivered."""
    report = DeliveryReport()
    for alert in store.alerts(status="pending"):
        try:
            _deliver_one(store, notifiers, settings, alert, report)
        except JikimiError as exc:  # e.g. the store cannot decrypt the person's contacts
            report.pending += 1
            report.errors.append(f"alert {alert.alert_id}: {exc}")
    return report


def _deliver_one(
    store: Store, notifiers: list[Notifier], settings: Settings, alert: Alert,
    report: DeliveryReport,
) -> None:
    person = store.get_person(alert.person_id)
    if person is None:  # erasure removes alerts too, so this is a dangling record
        store.set_alert_status(alert.alert_id, "failed")
        report.failed += 1
        report.errors.append(f"alert {alert.alert_id}: its person is no longer enrolled")
        return
    wanted = [n for n in notifiers if n.wants(person)]
    if not wanted:
        report.pending += 1
        report.errors.append(
            f"alert {alert.alert_id}: no channel applies to this person "
            "(enable alerts.outbox or add an e-mail or webhook)"
        )
        return
    hits = [hit for hit in store.hits(alert.person_id) if hit.media_id == alert.media_id]
    media = store.get_media(alert.media_id)
    message = render_message(
        alert, person, settings, alert_time_ranges(store, alert, settings),
        reviewed=any(hit.review_state in CONFIRMED_STATES for hit in hits),
        score_basis=media.score_basis if media else "none",
    )
    delivered = set(alert.delivered_channels)
    failures = 0
    for notifier in wanted:
        if notifier.channel in delivered:
            continue
        try:
            notifier.send(person, message)
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a notifier bug must not stop the other channels and alerts
            log.exception("notifier %s crashed on alert %s", notifier.channel, alert.alert_id)
            error = f"{notifier.channel}: unexpected {type(exc).__name__}: {exc}"
        else:
            store.record_delivery(alert.alert_id, notifier.channel, ok=True)
            delivered.add(notifier.channel)
            report.deliveries += 1
            continue
        failures += 1
        store.record_delivery(alert.alert_id, notifier.channel, ok=False, error=error)
        report.errors.append(f"alert {alert.alert_id}: {error}")
    if all(n.channel in delivered for n in wanted):
        store.set_alert_status(alert.alert_id, "sent")
        report.sent += 1
    elif _failed_attempts(store, alert, failures) >= settings.alerts.max_attempts:
        store.set_alert_status(alert.alert_id, "failed")
        report.failed += 1
    else:
        report.pending += 1


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
