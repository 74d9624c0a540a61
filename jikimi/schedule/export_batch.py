"""The nightly takedown batch, written to the blob store (S3 at scale) for takedown teams.

One object per day under `<scheduler.export_prefix><YYYY-MM-DD>/takedown-<YYYY-MM-DD>.<fmt>`: the
day is the run's logical date, so a retried or re-run task overwrites the same object instead of
adding one. Rows are exactly those of `jikimi export` (jikimi.export); retention deletes batches
after `scheduler.export_retention_days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jikimi.export import render_export
from kernel import chaos
from kernel.ports import BlobStore, Store
from kernel.settings import Settings


@dataclass
class ExportBatch:
    key: str
    rows: int
    bytes: int


def export_key(settings: Settings, day: date) -> str:
    rules = settings.scheduler
    stamp = day.isoformat()
    return f"{rules.export_prefix}{stamp}/takedown-{stamp}.{rules.export_format}"


def write_export_batch(
    store: Store, blobs: BlobStore, settings: Settings, day: date
) -> ExportBatch:
    """Write the day's batch; return where it went and how many rows it has."""
    key = export_key(settings, day)
    rows, data = render_export(store, settings.scheduler.export_format,
                               settings.video.sample_fps)
    chaos.point("export.rendered")
    blobs.put(key, data)
    chaos.point("export.written")
    return ExportBatch(key=key, rows=rows, bytes=len(data))
