"""The enrichment stage: turn newly crawled media into faces, hashes, signals and metadata.

Each item is processed on its own: a corrupt or oversized file gets a recorded error and the
batch goes on. Results are written with content-derived ids in one transaction per item, so a
crash loses at most the item in flight, and a re-run redoes only what is still "new". Raw bytes
(of usable and unusable items alike) are deleted from the blob store afterwards unless
`media.keep_media` is set; bytes a crash left behind are swept on the next run.
Items go through in rounds whose estimated decode memory fits `media.batch_decode_bytes`
(`enrichment.admission`): `enrich_pending` runs every round; a scheduler's batch
(`enrich_media_ids`) runs its first round and leaves the rest "new" for the next run (`deferred`).
The stage takes the sections it reads (`EnrichSettings`: media and video), not the whole
`Settings`: what it depends on is in its signature.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from enrichment.admission import Loaded, decode_rounds, load_media
from enrichment.analyze import EnrichSettings, analyze
from enrichment.decode_budget import DecodeBudget
from enrichment.families import find_family
from enrichment.signals.suite import SignalSuite
from kernel import chaos
from kernel.errors import JikimiError
from kernel.ports import BlobStore, FaceEngine, MediaStore
from kernel.records import INCOMING_PREFIX, Media

Progress = Callable[[str], None]


@dataclass
class EnrichReport:
    media: int = 0
    enriched: int = 0
    faces: int = 0
    errors: list[str] = field(default_factory=list)
    swept: int = 0
    seconds: float = 0.0
    skipped: int = 0  # enrich_media_ids: ids already processed
    rounds: int = 0  # rounds within media.batch_decode_bytes
    deferred: list[str] = field(default_factory=list)  # enrich_media_ids: left "new" for later


def enrich_pending(
    store: MediaStore,
    blobs: BlobStore,
    engine: FaceEngine,
    suite: SignalSuite,
    settings: EnrichSettings,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
) -> EnrichReport:
    """Enrich every media item with status "new"; return counts and per-item errors.

    `engine` finds and embeds faces, `suite` runs the synthetic-media signals."""
    started = time.monotonic()
    report = EnrichReport()
    if not settings.media.keep_media:
        report.swept = sweep_processed_blobs(store, blobs)
    chaos.point("enrich.start")
    pending = store.media_to_enrich(limit)
    n = 0
    for batch in decode_rounds(pending, _loader(blobs, settings),
                               settings.media.batch_decode_bytes):
        report.rounds += 1
        for loaded in batch:
            n += 1
            _enrich_and_store(loaded, store, blobs, engine, suite, settings, report)
            if progress and (n % 25 == 0 or n == len(pending)):
                progress(f"enrich: {n}/{len(pending)} media, {report.faces} faces")
    report.seconds = time.monotonic() - started
    return report


def enrich_media_ids(
    store: MediaStore,
    blobs: BlobStore,
    engine: FaceEngine,
    suite: SignalSuite,
    settings: EnrichSettings,
    media_ids: Iterable[str],
) -> EnrichReport:
    """Enrich exactly the given media: one batch of a scheduler's fan-out (Airflow maps batches of
    ids over GPU workers). Ids that are no longer "new" (a retried batch, or media another site's
    run enriched first) are skipped, so a batch can run again safely; unknown ids are errors."""
    started = time.monotonic()
    report = EnrichReport()
    todo: list[Media] = []
    unknown: list[str] = []
    for media_id in dict.fromkeys(media_ids):
        media = store.get_media(media_id)
        if media is None:
            unknown.append(f"{media_id[:12]}: no such media")
        elif media.status != "new":
            report.skipped += 1
        else:
            todo.append(media)
    first = next(decode_rounds(todo, _loader(blobs, settings),
                               settings.media.batch_decode_bytes), [])
    report.rounds = 1 if first else 0
    for loaded in first:
        _enrich_and_store(loaded, store, blobs, engine, suite, settings, report)
    report.errors.extend(unknown)
    report.deferred = [m.media_id for m in todo[len(first):]]
    report.seconds = time.monotonic() - started
    return report


def _loader(blobs: BlobStore, settings: EnrichSettings) -> Callable[[Media], Loaded]:
    return load_media(blobs, DecodeBudget.from_settings(settings.media),
                      settings.media.max_pixels)


def _enrich_and_store(
    loaded: Loaded, store: MediaStore, blobs: BlobStore, engine: FaceEngine, suite: SignalSuite,
    settings: EnrichSettings, report: EnrichReport,
) -> None:
    """One item: results (or its error) stored, raw bytes deleted unless kept."""
    media = loaded.media
    report.media += 1
    drop_key = None if settings.media.keep_media else media.blob_key
    try:
        if loaded.error is not None:
            raise loaded.error
        assert loaded.data is not None
        enriched, faces = analyze(loaded.data, media, engine, suite, settings)
        chaos.point("enrich.analyzed")
    except JikimiError as exc:
        store.set_media_error(media.media_id, str(exc))
        report.errors.append(f"{media.media_id[:12]}: {exc}")
        if drop_key:
            blobs.delete(drop_key)  # unusable bytes are not kept either
        return
    if drop_key:
        enriched = replace(enriched, blob_key=None)
    if enriched.duration is not None:
        enriched = replace(enriched, family_id=find_family(store, enriched))
    store.save_enrichment(enriched, faces)
    chaos.point("enrich.saved")
    if drop_key:
        blobs.delete(drop_key)
        chaos.point("enrich.blob_deleted")
    report.enriched += 1
    report.faces += len(faces)


def sweep_processed_blobs(store: MediaStore, blobs: BlobStore) -> int:
    """Delete raw bytes left behind by a crash between storing results and deleting them.

    Only media the store knows as processed ("enriched" or "error") is swept: bytes of unknown
    media may belong to a crawl that is still writing.
    """
    swept = 0
    for key in list(blobs.keys(INCOMING_PREFIX)):
        media = store.get_media(key.removeprefix(INCOMING_PREFIX))
        if media is not None and media.status != "new":
            blobs.delete(key)
            swept += 1
    return swept
