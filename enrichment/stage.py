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
Within a round, images are analysed in chunks of `media.enrich_chunk` whose faces share
recognizer batches (`enrichment.batch`); given a `tools` factory and enough items, the chunks go
to worker processes (`enrichment.workers`, `media.enrich_workers`) and this process only stores.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from enrichment.admission import Loaded, decode_rounds, load_media
from enrichment.analyze import EnrichSettings
from enrichment.batch import Outcome
from enrichment.decode_budget import DecodeBudget
from enrichment.families import find_family
from enrichment.signals.suite import SignalSuite
from enrichment.workers import (
    EnrichTools,
    ToolsFactory,
    WorkerPool,
    analyze_in,
    guided_chunks,
    resolve_workers,
)
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
    workers: int = 1  # processes that analysed (1: this one)
    reused: int = 0  # images whose faces were copied from an identical enriched image


def enrich_pending(
    store: MediaStore,
    blobs: BlobStore,
    engine: FaceEngine,
    suite: SignalSuite,
    settings: EnrichSettings,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
    tools: ToolsFactory | None = None,
) -> EnrichReport:
    """Enrich every media item with status "new"; return counts and per-item errors.

    `engine` finds and embeds faces, `suite` runs the synthetic-media signals; `tools` builds
    both in a worker process (without it, everything runs here)."""
    started = time.monotonic()
    report = EnrichReport()
    if not settings.media.keep_media:
        report.swept = sweep_processed_blobs(store, blobs)
    chaos.point("enrich.start")
    pending = store.media_to_enrich(limit)
    n = 0
    with _Analysis(EnrichTools(engine, suite, store), tools, settings, len(pending)) as analysis:
        report.workers = analysis.workers
        for batch in decode_rounds(pending, _loader(blobs, settings),
                                   settings.media.batch_decode_bytes):
            report.rounds += 1
            for loaded, outcome in analysis.run(batch):
                n += 1
                _store_outcome(loaded, outcome, store, blobs, settings, report)
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
    tools: ToolsFactory | None = None,
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
    with _Analysis(EnrichTools(engine, suite, store), tools, settings, len(first)) as analysis:
        report.workers = analysis.workers
        for loaded, outcome in analysis.run(first):
            _store_outcome(loaded, outcome, store, blobs, settings, report)
    report.errors.extend(unknown)
    report.deferred = [m.media_id for m in todo[len(first):]]
    report.seconds = time.monotonic() - started
    return report


def _loader(blobs: BlobStore, settings: EnrichSettings) -> Callable[[Media], Loaded]:
    return load_media(blobs, DecodeBudget.from_settings(settings.media),
                      settings.media.max_pixels)


class _Analysis:
    """Analyses a round's items in chunks, here or in worker processes; yields each loaded item
    with its outcome (in completion order with workers)."""

    def __init__(self, local: EnrichTools, factory: ToolsFactory | None,
                 settings: EnrichSettings, items: int) -> None:
        self.local, self.settings = local, settings
        wanted = resolve_workers(settings.media.enrich_workers, items) if factory else 1
        self.pool = WorkerPool(wanted, factory, settings) if factory and wanted > 1 else None
        self.workers = wanted if self.pool else 1

    def __enter__(self) -> _Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool:
            self.pool.close()

    def run(self, batch: list[Loaded]) -> Iterator[tuple[Loaded, Outcome]]:
        by_id = {loaded.media.media_id: loaded for loaded in batch}
        for loaded in batch:
            if loaded.error is not None or loaded.data is None:
                yield loaded, Outcome(loaded.media, error=loaded.error)
        ready = [(loaded.data, loaded.media) for loaded in batch
                 if loaded.error is None and loaded.data is not None]
        # enrich_chunk pieces for the bulk, smaller ones towards the end to even out the workers
        chunks = guided_chunks(ready, self.workers, self.settings.media.enrich_chunk)
        results = (self.pool.run(chunks) if self.pool else
                   (analyze_in(self.local, chunk, self.settings) for chunk in chunks))
        for outcomes in results:
            for outcome in outcomes:
                yield by_id[outcome.media.media_id], outcome


def _store_outcome(
    loaded: Loaded, outcome: Outcome, store: MediaStore, blobs: BlobStore,
    settings: EnrichSettings, report: EnrichReport,
) -> None:
    """One item: results (or its error) stored, raw bytes deleted unless kept."""
    media = loaded.media
    report.media += 1
    drop_key = None if settings.media.keep_media else media.blob_key
    if outcome.error is not None or outcome.enriched is None:
        error = outcome.error or JikimiError("no stored bytes for this media")
        store.set_media_error(media.media_id, str(error))
        report.errors.append(f"{media.media_id[:12]}: {error}")
        if drop_key:
            blobs.delete(drop_key)  # unusable bytes are not kept either
        return
    enriched, faces = outcome.enriched, outcome.faces
    chaos.point("enrich.analyzed")
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
    report.reused += "reused_faces_from" in enriched.info


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
