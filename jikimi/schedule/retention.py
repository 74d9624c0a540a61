"""Retention: what jikimi stops keeping once it is old, run nightly by the housekeeping DAG.

Data about strangers and copies of alerts are only kept as long as they serve a takedown:
- media of strangers (no hit in any review state, no alert) that no crawl has seen for
  `scheduler.stranger_media_retention_days`: the media record with its sightings, fetch records
  and face embeddings (the bulk of what jikimi stores, almost all of people who are not enrolled),
  and any raw bytes still kept for it. The store re-checks for a hit as it deletes, so media
  matched meanwhile (say, by someone enrolled today) is refused and kept. A crawl meeting deleted
  media again downloads and analyses it afresh. Media not analysed yet is left alone: it may still
  match. Background sketches (search/background.py) were computed from such faces and stay valid;
  the face index (search/faceindex) then rewrites every block that held a deleted face, so the
  vectors leave its files too, and the store forgets its log of removals;
- takedown export batches in the blob store, after `scheduler.export_retention_days`;
- outbox copies of alerts that every channel has delivered (or that were withdrawn unsent),
  after `outbox_retention_days`
  (the store keeps the alert itself: it is what stops a second alert for the same media);
- raw media bytes kept for evidence (`media.keep_media`) of media that matched nobody and was
  last seen more than `kept_media_retention_days` ago (its record keeps the blob key, which reads
  as NotFound, until the record itself goes with the stranger media above);
- raw bytes a crash left behind after enrichment (the same sweep enrichment runs).
Each step is idempotent: running it twice deletes nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from enrichment.stage import sweep_processed_blobs
from jikimi import registry
from kernel import chaos
from kernel.ports import AlertCopies, BlobStore, FaceFeed, FaceIndex, Store
from kernel.settings import Settings

log = logging.getLogger(__name__)
STRANGER_BATCH = 500  # media ids per expired_media / delete_media round (one transaction each)


@dataclass
class RetentionReport:
    exports_deleted: int = 0
    outbox_deleted: int = 0
    kept_media_deleted: int = 0
    incoming_swept: int = 0
    stranger_media_deleted: int = 0
    stranger_faces_deleted: int = 0
    stranger_sightings_deleted: int = 0
    stranger_blobs_deleted: int = 0
    stranger_media_refused: int = 0  # had a hit or an alert by the time it was to be deleted
    index_faces_purged: int = 0  # deleted faces' vectors rewritten out of the face index


def apply_retention(
    store: Store, blobs: BlobStore, settings: Settings, now: datetime
) -> RetentionReport:
    """Delete what is past its retention at `now` (timezone-aware UTC)."""
    rules = settings.scheduler
    report = RetentionReport()
    _stranger_media(store, blobs, now - timedelta(days=rules.stranger_media_retention_days),
                    report)
    report.index_faces_purged = _purge_face_index(store, settings)
    chaos.point("housekeeping.strangers")
    report.exports_deleted = _old_exports(blobs, rules.export_prefix,
                                          now - timedelta(days=rules.export_retention_days))
    report.outbox_deleted = _old_outbox(store, registry.open_outbox(settings),
                                        now - timedelta(days=rules.outbox_retention_days))
    if settings.media.keep_media:
        cutoff = now - timedelta(days=rules.kept_media_retention_days)
        report.kept_media_deleted = _old_kept_media(store, blobs, cutoff)
    else:
        report.incoming_swept = sweep_processed_blobs(store, blobs)
    chaos.point("housekeeping.retention")
    return report


def _purge_face_index(store: Store, settings: Settings) -> int:
    """Compact the face index after the deletes; without an index, trim the removal log that
    only an index reads."""
    index = registry.open_face_search(settings, store)
    if isinstance(index, FaceIndex):
        return index.sync(compact=True)["purged"]
    if isinstance(store, FaceFeed):
        store.forget_removals(store.face_feed().mark)
    return 0


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


def _old_outbox(store: Store, outbox: AlertCopies, cutoff: datetime) -> int:
    done = [*store.alerts(status="sent"), *store.alerts(status="withdrawn")]
    old = (alert for alert in done if alert.created_at < cutoff)
    return sum(outbox.discard(alert.alert_id) for alert in old)


def _old_kept_media(store: Store, blobs: BlobStore, cutoff: datetime) -> int:
    matched = {hit.media_id for hit in store.hits()}
    deleted = 0
    for media in store.list_media():
        if (media.blob_key and media.media_id not in matched and media.last_seen < cutoff
                and blobs.exists(media.blob_key)):
            blobs.delete(media.blob_key)
            deleted += 1
    return deleted


def _stranger_media(store: Store, blobs: BlobStore, cutoff: datetime,
                    report: RetentionReport) -> None:
    """Delete expired stranger media batch by batch: records first, then their kept bytes (only
    of media actually deleted: bytes of media refused for a fresh hit are its evidence)."""
    while media_ids := store.expired_media(cutoff, STRANGER_BATCH):
        blob_keys = {media.media_id: media.blob_key for media_id in media_ids
                     if (media := store.get_media(media_id)) is not None and media.blob_key}
        counts = store.delete_media(media_ids)
        report.stranger_media_deleted += counts["media"]
        report.stranger_faces_deleted += counts["faces"]
        report.stranger_sightings_deleted += counts["sightings"]
        report.stranger_media_refused += counts["refused"]
        for media_id, key in blob_keys.items():
            if store.get_media(media_id) is None and blobs.exists(key):
                blobs.delete(key)
                report.stranger_blobs_deleted += 1
        if counts["refused"]:
            log.warning("retention: %d stranger media got a hit or an alert while being "
                        "deleted and were kept", counts["refused"])
        if counts["media"] == 0:
            return  # nothing in this batch could go: do not ask for the same batch again
