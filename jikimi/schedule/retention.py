"""Retention: what jikimi stops keeping once it is old, run nightly by the housekeeping DAG.

Data about strangers and copies of alerts are only kept as long as they serve a takedown:
- takedown export batches in the blob store, after `scheduler.export_retention_days`;
- outbox copies of alerts that every channel has delivered, after `outbox_retention_days`
  (the store keeps the alert itself: it is what stops a second alert for the same media);
- raw media bytes kept for evidence (`media.keep_media`) of media that matched nobody and was
  last seen more than `kept_media_retention_days` ago (the media record keeps its now dangling
  blob key: a later read says NotFound);
- raw bytes a crash left behind after enrichment (the same sweep enrichment runs).
Each step is idempotent: running it twice deletes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from enrichment.stage import sweep_processed_blobs
from jikimi.alerts.outbox import OutboxNotifier
from jikimi.errors import JikimiError
from jikimi.ports import BlobStore, Store
from jikimi.settings import Settings


@dataclass
class RetentionReport:
    exports_deleted: int = 0
    outbox_deleted: int = 0
    kept_media_deleted: int = 0
    incoming_swept: int = 0


def apply_retention(
    store: Store, blobs: BlobStore, settings: Settings, now: datetime
) -> RetentionReport:
    """Delete what is past its retention at `now` (timezone-aware UTC)."""
    rules = settings.scheduler
    report = RetentionReport()
    report.exports_deleted = _old_exports(blobs, rules.export_prefix,
                                          now - timedelta(days=rules.export_retention_days))
    report.outbox_deleted = _old_outbox(store, settings,
                                        now - timedelta(days=rules.outbox_retention_days))
    if settings.media.keep_media:
        cutoff = now - timedelta(days=rules.kept_media_retention_days)
        report.kept_media_deleted = _old_kept_media(store, blobs, cutoff)
    else:
        report.incoming_swept = sweep_processed_blobs(store, blobs)
    return report


def export_day(key: str, prefix: str) -> date | None:
    """The day of an export batch from its key (`<prefix>YYYY-MM-DD/…`); None if it has none."""
    head = key.removeprefix(prefix).split("/", 1)[0]
    try:
        return date.fromisoformat(head)
    except ValueError:
        return None


def _old_exports(blobs: BlobStore, prefix: str, cutoff: datetime) -> int:
    deleted = 0
    for key in list(blobs.keys(prefix)):
        day = export_day(key, prefix)
        if day is not None and day < cutoff.date():
            blobs.delete(key)
            deleted += 1
    return deleted


def _old_outbox(store: Store, settings: Settings, cutoff: datetime) -> int:
    outbox = OutboxNotifier(settings.outbox_dir)
    deleted = 0
    for alert in store.alerts(status="sent"):
        if alert.created_at >= cutoff:
            continue
        try:
            path = outbox.path_for(alert.alert_id)
        except JikimiError:
            continue  # an id that was never a file name
        if path.exists():
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def _old_kept_media(store: Store, blobs: BlobStore, cutoff: datetime) -> int:
    matched = {hit.media_id for hit in store.hits()}
    deleted = 0
    for media in store.list_media():
        if (media.blob_key and media.media_id not in matched and media.last_seen < cutoff
                and blobs.exists(media.blob_key)):
            blobs.delete(media.blob_key)
            deleted += 1
    return deleted
