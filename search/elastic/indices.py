"""The operations the store halves build on: aliases only, read-your-writes, script-free upserts.

* Every request names an alias, and every write carries `require_alias=true`, so a write can
  never auto-create an index (on osmem-server an auto-created index with dynamic mapping took
  more than 19 GB of memory); opening checks that every alias exists at the schema version this
  code was built for, or refuses with "run `jikimi es migrate`".
* Read-your-writes without a refresh per write: gets by id are real-time anyway; a search first
  refreshes the indices this store wrote to since its last refresh (one cheap `_refresh` per
  burst of writes, none while only reading), and `close()` refreshes them so another process
  sees them at once. A reader that did not write sees another process's writes within the
  index's refresh interval (1 s by default): Elasticsearch's near-real-time contract.
* Upserts whose rule needs the stored value ("keep the later last_seen", "keep the best
  similarity") read the document and write it back with `if_seq_no`/`if_primary_term`, retrying
  on a conflict: optimistic concurrency instead of scripts, which osmem-server does not run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, TransportError

from kernel.errors import StoreError
from search.elastic.bulk import BulkPolicy, bulk_write
from search.elastic.errors import store_errors
from search.elastic.schema import IndexSpec

log = logging.getLogger(__name__)
PAGE = 1000
# Faces stream in larger pages: each page is one sorted search, and some servers (osmem) sort the
# whole match set per page, so the page count dominates a scan of millions of faces.
FACE_PAGE = 5000
_CAS_ATTEMPTS = 50
Source = dict[str, Any]


class ElasticIndices:
    def __init__(self, client: Elasticsearch, prefix: str, specs: dict[str, IndexSpec],
                 policy: BulkPolicy) -> None:
        self.client = client
        self.prefix = prefix
        self.specs = specs
        self.policy = policy
        self._dirty: set[str] = set()
        self._lock = threading.Lock()

    def alias(self, name: str) -> str:
        return self.specs[name].alias(self.prefix)

    def require_aliases(self) -> None:
        """Refuse to work unless every alias points at this code's schema version."""
        with store_errors("checking the Elasticsearch aliases"):
            found = self.client.indices.get_alias(index=f"{self.prefix}-*",
                                                  allow_no_indices=True).body
        holders: dict[str, list[str]] = {}
        for index, info in found.items():
            for alias in info.get("aliases", {}):
                holders.setdefault(alias, []).append(index)
        for spec in self.specs.values():
            alias, wanted = spec.alias(self.prefix), spec.index(self.prefix)
            if holders.get(alias) != [wanted]:
                now = ", ".join(holders.get(alias, [])) or "missing"
                raise StoreError(
                    f"Elasticsearch alias {alias} must point at {wanted} (now: {now}); "
                    "run `jikimi es migrate`")

    # ----------------------------------------------------------------- read-your-writes ---
    def wrote(self, *names: str) -> None:
        with self._lock:
            self._dirty.update(names)

    def refresh(self, *names: str) -> None:
        """Refresh those of `names` (all when empty) written since their last refresh."""
        with self._lock:
            due = self._dirty & set(names) if names else set(self._dirty)
            self._dirty -= due
        if due:
            with store_errors("refreshing Elasticsearch indices"):
                self.client.indices.refresh(index=",".join(sorted(self.alias(n) for n in due)))

    def refresh_now(self, *names: str) -> None:
        """Refresh `names` whoever wrote to them: another process's writes become searchable."""
        with self._lock:
            self._dirty -= set(names)
        with store_errors("refreshing Elasticsearch indices"):
            self.client.indices.refresh(index=",".join(sorted(self.alias(n) for n in names)))

    # --------------------------------------------------------------------------- writes ---
    def create(self, name: str, doc_id: str, doc: Source) -> bool:
        """Insert; False when a document with this id already exists."""
        try:
            with store_errors(f"writing to {self.alias(name)}"):
                self.client.create(index=self.alias(name), id=doc_id, document=doc,
                                   require_alias=True)
        except StoreError as exc:
            if isinstance(exc.__cause__, ConflictError):
                return False
            raise
        finally:
            self.wrote(name)
        return True

    def put(self, name: str, doc_id: str, doc: Source) -> None:
        with store_errors(f"writing to {self.alias(name)}"):
            self.client.index(index=self.alias(name), id=doc_id, document=doc,
                              require_alias=True)
        self.wrote(name)

    def patch(self, name: str, doc_id: str, fields: Source) -> bool:
        """Partial update of top-level fields (no script); False when the id is unknown."""
        try:
            with store_errors(f"updating {self.alias(name)}"):
                self.client.update(index=self.alias(name), id=doc_id, doc=fields,
                                   require_alias=True, retry_on_conflict=5)
        except StoreError as exc:
            if isinstance(exc.__cause__, NotFoundError):
                return False
            raise
        self.wrote(name)
        return True

    def change(self, name: str, doc_id: str,
               rule: Callable[[Source | None], Source | None]) -> Source | None:
        """Read-modify-write with optimistic concurrency: `rule(current)` returns the complete
        new document, or None to leave it as it is; returns what was stored (or None)."""
        alias = self.alias(name)
        for _ in range(_CAS_ATTEMPTS):
            current = self.get_versioned(name, doc_id)
            source = None if current is None else current[0]
            new = rule(None if source is None else dict(source))
            if new is None or new == source:
                return source
            try:
                with store_errors(f"writing to {alias}"):
                    if current is None:
                        self.client.create(index=alias, id=doc_id, document=new,
                                           require_alias=True)
                    else:
                        self.client.index(index=alias, id=doc_id, document=new,
                                          if_seq_no=current[1], if_primary_term=current[2],
                                          require_alias=True)
            except StoreError as exc:
                if isinstance(exc.__cause__, ConflictError):
                    continue  # someone else wrote first: read again and re-apply the rule
                raise
            finally:
                self.wrote(name)
            return new
        raise StoreError(f"{alias}/{doc_id}: too many concurrent writers, giving up")

    def delete(self, name: str, doc_id: str) -> bool:
        """Delete one document by id; False when there was none."""
        try:
            with store_errors(f"deleting from {self.alias(name)}"):
                self.client.delete(index=self.alias(name), id=doc_id)
        except StoreError as exc:
            if isinstance(exc.__cause__, NotFoundError) and not _index_missing(exc.__cause__):
                return False
            raise
        finally:
            self.wrote(name)
        return True

    def bulk(self, names: tuple[str, ...], actions: Iterable[Source], what: str, *,
             missing_ok: bool = False) -> int:
        """Bulk write to the aliases of `names`; raises BulkWriteError listing every failed
        document after all others were written. Returns how many were written."""
        try:
            return bulk_write(self.client, actions, self.policy, what, missing_ok=missing_ok)
        finally:
            self.wrote(*names)

    def delete_where(self, name: str, query: Source) -> int:
        """Delete every match; a document changed meanwhile (version conflict) is deleted on
        the next pass, so erasure never stops half way silently."""
        self.refresh(name)
        deleted = 0
        for _ in range(_CAS_ATTEMPTS):
            with store_errors(f"deleting from {self.alias(name)}"):
                response = self.client.delete_by_query(index=self.alias(name), query=query,
                                                       refresh=True, conflicts="proceed")
            if response.get("failures"):
                raise StoreError(f"deleting from {self.alias(name)}: {response['failures'][:3]}")
            deleted += int(response.get("deleted", 0))
            if not response.get("version_conflicts"):
                return deleted
        raise StoreError(f"deleting from {self.alias(name)}: documents kept changing; run again")

    # ---------------------------------------------------------------------------- reads ---
    def get(self, name: str, doc_id: str) -> Source | None:
        found = self.get_versioned(name, doc_id)
        return None if found is None else found[0]

    def get_versioned(self, name: str, doc_id: str) -> tuple[Source, int, int] | None:
        try:
            with store_errors(f"reading {self.alias(name)}"):
                response = self.client.get(index=self.alias(name), id=doc_id)
        except StoreError as exc:
            if isinstance(exc.__cause__, NotFoundError) and not _index_missing(exc.__cause__):
                return None
            raise
        return response["_source"], response["_seq_no"], response["_primary_term"]

    def get_many(self, name: str, ids: list[str]) -> dict[str, Source]:
        if not ids:
            return {}
        with store_errors(f"reading {self.alias(name)}"):
            response = self.client.mget(index=self.alias(name), ids=ids)
        return {d["_id"]: d["_source"] for d in response["docs"] if d.get("found")}

    def count(self, name: str, query: Source | None = None) -> int:
        self.refresh(name)
        with store_errors(f"counting {self.alias(name)}"):
            return int(self.client.count(index=self.alias(name), query=query)["count"])

    def scan(self, name: str, query: Source, sort: list[Any], *, source: Any = True,
             page: int = PAGE) -> Iterator[Source]:
        """Every match in `sort` order, page by page with search_after (constant memory, no
        server-side context left open if the caller stops early). `sort` must end with a
        unique field so that pages neither overlap nor skip."""
        after: list[Any] | None = None
        while True:
            self.refresh(name)  # a caller may write between pages (e.g. mark faces matched)
            with store_errors(f"searching {self.alias(name)}"):
                response = self.client.search(
                    index=self.alias(name), query=query, sort=sort, size=page,
                    search_after=after, source=source, track_total_hits=False)
            hits = response["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < page:
                return
            after = hits[-1]["sort"]

    def terms(self, name: str, field: str, size: int = 10000) -> list[str]:
        self.refresh(name)
        with store_errors(f"aggregating {self.alias(name)}"):
            response = self.client.search(
                index=self.alias(name), size=0,
                aggs={"values": {"terms": {"field": field, "size": size,
                                           "order": {"_key": "asc"}}}})
        return [b["key"] for b in response["aggregations"]["values"]["buckets"]]


def _index_missing(exc: ApiError | TransportError) -> bool:
    """A 404 about the index (alias deleted under us), not about the document."""
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("type") == "index_not_found_exception"
