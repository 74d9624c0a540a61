"""Bulk writes: `helpers.streaming_bulk`, retries on 429, and one recorded error per document.

A cluster under load answers some documents of a bulk request with 429 (too many requests);
streaming_bulk re-sends just those after a back-off that doubles each attempt. Whatever still
fails after the retries is not lost silently: every other document is written, then a
BulkWriteError (a StoreError) names each failed document with its status and reason, so the
caller can record a per-item error and the batch goes on. Every request carries
`require_alias=true`: a bulk write can never auto-create an index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch, helpers

from kernel.errors import StoreError
from kernel.settings import ElasticsearchSettings
from search.elastic.errors import store_errors

log = logging.getLogger(__name__)
_SHOWN = 5  # failed documents named in the message; all are on the exception


@dataclass(frozen=True)
class BulkPolicy:
    chunk_size: int = 500
    max_retries: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 30.0

    @classmethod
    def of(cls, settings: ElasticsearchSettings) -> BulkPolicy:
        return cls(settings.bulk_chunk_size, settings.bulk_max_retries,
                   settings.bulk_initial_backoff, settings.bulk_max_backoff)


@dataclass(frozen=True)
class BulkFailure:
    index: str
    doc_id: str
    status: int
    error: str


class BulkWriteError(StoreError):
    """Some documents of a bulk write failed (after retries); the others were written."""

    def __init__(self, what: str, failures: list[BulkFailure], written: int) -> None:
        self.failures = failures
        self.written = written
        shown = "; ".join(f"{f.doc_id} ({f.status} {f.error})" for f in failures[:_SHOWN])
        more = f"; and {len(failures) - _SHOWN} more" if len(failures) > _SHOWN else ""
        super().__init__(f"{what}: {len(failures)} document(s) failed, {written} written: "
                         f"{shown}{more}")


def bulk_write(client: Elasticsearch, actions: Iterable[dict[str, Any]], policy: BulkPolicy,
               what: str, *, missing_ok: bool = False, require_alias: bool = True) -> int:
    """Write `actions` (streaming_bulk's action dicts); return how many succeeded.
    `missing_ok`: a partial update of a document that does not exist is skipped, not failed.
    `require_alias=False` only for the migration, which writes to the index it just created."""
    failures: list[BulkFailure] = []
    written = 0
    with store_errors(what):
        for ok, item in helpers.streaming_bulk(
            client, actions, chunk_size=policy.chunk_size, max_retries=policy.max_retries,
            initial_backoff=policy.initial_backoff, max_backoff=policy.max_backoff,
            raise_on_error=False, raise_on_exception=False, require_alias=require_alias,
        ):
            if ok:
                written += 1
                continue
            failure = _failure(item)
            if missing_ok and failure.error.startswith("document_missing_exception"):
                continue
            failures.append(failure)
    if failures:
        log.warning("%s: %d document(s) failed after retries", what, len(failures))
        raise BulkWriteError(what, failures, written)
    return written


def _failure(item: dict[str, Any]) -> BulkFailure:
    _op, info = next(iter(item.items()))
    error = info.get("error")
    if isinstance(error, dict):
        text = f"{error.get('type')}: {error.get('reason')}"
    else:
        text = str(error or info.get("exception") or "failed")
    return BulkFailure(str(info.get("_index", "")), str(info.get("_id", "")),
                       int(info.get("status", 0)), text)
