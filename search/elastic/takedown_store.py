"""The TakedownStore part on Elasticsearch: takedown batches, their items, each URL's status.

Elasticsearch has no transaction across documents, so a batch is written items first (one bulk
write) and its batch document last: a batch that is listed has all its items. Items of a batch
whose document never got written (a crash in between) are orphans that no listing shows; reads
by URL drop them too. A mark is a read-modify-write with optimistic concurrency, applying the
same rule as every store (`kernel.takedown.with_status`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from kernel.errors import AlreadyExists, NotFound, StoreError
from kernel.takedown import (
    TAKEDOWN_STATUSES,
    HostRecipients,
    TakedownBatch,
    TakedownItem,
    TakedownStatus,
    changed_item,
    recipients_to_json,
    with_status,
)
from search.elastic.codec_takedown import batch_from_doc, batch_to_doc, item_from_doc, item_to_doc
from search.elastic.indices import ElasticIndices, Source

_BATCH_ORDER = [{"created_at": "desc"}, {"batch_id": "asc"}]
_ITEM_ORDER = [{"host": "asc"}, {"media_url": "asc"}, {"page_url": "asc"}, {"item_id": "asc"}]
_URL_ORDER = [{"batch_created_at": "asc"}, {"batch_id": "asc"}, *_ITEM_ORDER]


class ElasticTakedownStore:
    _es: ElasticIndices

    def add_takedown_batch(self, batch: TakedownBatch, items: Sequence[TakedownItem]) -> None:
        if any(item.batch_id != batch.batch_id for item in items):
            raise StoreError(f"every item of takedown batch {batch.batch_id} must carry its id")
        if self._es.get("takedown_batches", batch.batch_id) is not None:
            raise AlreadyExists(f"takedown batch {batch.batch_id} already exists")
        alias = self._es.alias("takedown_items")
        self._es.bulk(("takedown_items",), (
            {"_op_type": "index", "_index": alias, "_id": item.item_id,
             "_source": item_to_doc(item, batch.created_at)}
            for item in items
        ), f"storing the items of takedown batch {batch.batch_id}")
        if not self._es.create("takedown_batches", batch.batch_id, batch_to_doc(batch)):
            raise AlreadyExists(f"takedown batch {batch.batch_id} already exists")

    def takedown_batches(self) -> list[TakedownBatch]:
        return [batch_from_doc(d) for d in
                self._es.scan("takedown_batches", {"match_all": {}}, _BATCH_ORDER)]

    def get_takedown_batch(self, batch_id: str) -> TakedownBatch | None:
        doc = self._es.get("takedown_batches", batch_id)
        return None if doc is None else batch_from_doc(doc)

    def takedown_items(self, batch_id: str) -> list[TakedownItem]:
        if self._es.get("takedown_batches", batch_id) is None:
            return []
        return [item_from_doc(d) for d in
                self._es.scan("takedown_items", {"term": {"batch_id": batch_id}}, _ITEM_ORDER)]

    def set_takedown_status(self, item_id: str, status: TakedownStatus, at: datetime,
                            note: str | None = None) -> TakedownItem:
        if status not in TAKEDOWN_STATUSES:
            raise StoreError(f"unknown takedown status {status!r} (one of {TAKEDOWN_STATUSES})")

        def mark(current: Source | None) -> Source:
            if current is None:
                raise NotFound(f"no takedown item {item_id}")
            changed = with_status(item_from_doc(current), status, at, note)
            return item_to_doc(changed, current["batch_created_at"])

        stored = self._es.change("takedown_items", item_id, mark)
        assert stored is not None  # `mark` always returns the document
        return item_from_doc(stored)

    def change_takedown_item(self, item_id: str,
                             change: Callable[[TakedownItem], TakedownItem]) -> TakedownItem:
        def rule(current: Source | None) -> Source:
            if current is None:
                raise NotFound(f"no takedown item {item_id}")
            return item_to_doc(changed_item(item_from_doc(current), change),
                               current["batch_created_at"])

        stored = self._es.change("takedown_items", item_id, rule)
        assert stored is not None  # `rule` always returns the document
        return item_from_doc(stored)

    def takedown_items_in(self, statuses: Iterable[TakedownStatus]) -> list[TakedownItem]:
        wanted = sorted(set(statuses))
        if not wanted:
            return []
        items = [item_from_doc(d) for d in
                 self._es.scan("takedown_items", {"terms": {"status": wanted}}, _URL_ORDER)]
        batches = self._es.get_many("takedown_batches", sorted({i.batch_id for i in items}))
        return [item for item in items if item.batch_id in batches]

    def update_takedown_batch(self, batch_id: str, *, legal_basis: str | None = None,
                              recipients: Mapping[str, HostRecipients] | None = None
                              ) -> TakedownBatch:
        changes: Source = {}
        if legal_basis is not None:
            changes["legal_basis"] = legal_basis
        if recipients is not None:
            changes["recipients"] = recipients_to_json(dict(recipients))

        def rule(current: Source | None) -> Source:
            if current is None:
                raise NotFound(f"no takedown batch {batch_id!r}")
            return current | changes

        stored = self._es.change("takedown_batches", batch_id, rule)
        assert stored is not None
        return batch_from_doc(stored)

    def takedown_items_by_url(self, url: str) -> list[TakedownItem]:
        query = {"bool": {"should": [{"term": {"media_url": url}}, {"term": {"page_url": url}}],
                          "minimum_should_match": 1}}
        items = [item_from_doc(d) for d in self._es.scan("takedown_items", query, _URL_ORDER)]
        batches = self._es.get_many("takedown_batches", sorted({i.batch_id for i in items}))
        return [item for item in items if item.batch_id in batches]

    def forget_takedown_hits(self, hit_ids: Iterable[str]) -> int:
        wanted = set(hit_ids)
        if not wanted:
            return 0
        query = {"terms": {"hit_ids": sorted(wanted)}}
        deleted = 0
        for doc in list(self._es.scan("takedown_items", query, [{"item_id": "asc"}])):
            left = [h for h in doc.get("hit_ids") or [] if h not in wanted]
            if left:
                self._es.change("takedown_items", doc["item_id"], _keep_hits(left))
            elif self._es.delete("takedown_items", doc["item_id"]):
                deleted += 1
        return deleted


def _keep_hits(left: list[str]) -> Callable[[Source | None], Source | None]:
    def rule(current: Source | None) -> Source | None:
        return None if current is None else current | {"hit_ids": left}

    return rule
