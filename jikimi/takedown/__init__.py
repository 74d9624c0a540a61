"""Takedown: batches of confirmed hits, whom to write to, the notices, the proof, the follow-up.

`batches` builds batches (the rows are the takedown export's, so a batch never holds what the
export would not) and `marks` records what happened to each URL; the other modules build on
them: recipients (RDAP abuse contacts, CDN fronts), notices (letters and .eml per recipient,
with a legal basis), exports (regulator referral, Lumen-style record, hash sharing), follow-up
(re-checks, escalation, re-uploads) and reports; evidence bundles are `jikimi.evidence.bundle`.
Nothing here ever carries the enrolled person's name or contacts: items hold URLs, hashes and
hit ids.
"""

from jikimi.takedown.batches import (
    BATCH_FIELDS,
    batch_export,
    batch_view,
    build_batch,
    list_batches,
)
from jikimi.takedown.marks import as_moment, mark, record_sent, sync_taken_down
from jikimi.takedown.reports import ReportRow, TakedownReport, takedown_report

__all__ = ["BATCH_FIELDS", "as_moment", "batch_export", "batch_view", "build_batch",
           "list_batches", "mark", "record_sent", "sync_taken_down", "ReportRow", "TakedownReport",
           "takedown_report"]
