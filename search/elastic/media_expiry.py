"""Retention of stranger media on Elasticsearch: find it, and delete it with what hangs off it.

Same semantics as the SQLite store (search/sqlite/media_expiry.py), without its transaction:
there are no multi-document transactions, so the order of the deletes is what keeps a hit safe.
Hits and alerts are checked first (after a forced refresh of their indices, so another process's
fresh hit is seen); then the faces go, which is the only thing matching can turn into a new hit;
then hits and alerts are checked again, and media that got one in between keeps its record,
sightings and fetches (it is counted as refused); only then do fetches, sightings and the media
records go. A crash part way leaves the media record for the next run, never orphaned faces.
Every request goes through an alias; delete_by_query never creates an index.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice

from search.elastic.codec import dt_to_doc
from search.elastic.errors import store_errors
from search.elastic.indices import PAGE, ElasticIndices, Source

_CHUNK = 1000  # ids per terms query
_DEPENDENTS = ("fetches", "sightings")  # deleted after the faces, before the media record


class ElasticMediaExpiry:
    _es: ElasticIndices

    def expired_media(self, before: datetime, limit: int) -> list[str]:
        cutoff = dt_to_doc(before)
        query = {"bool": {"filter": [{"range": {"last_seen": {"lt": cutoff}}}],
                          "must_not": [{"term": {"status": "new"}}]}}
        docs = self._es.scan("media", query, [{"last_seen": "asc"}, {"media_id": "asc"}],
                             source=["media_id"])
        candidates = (str(doc["media_id"]) for doc in docs)
        expired: list[str] = []
        while len(expired) < limit and (chunk := list(islice(candidates, PAGE))):
            kept = self._referenced(chunk) | self._present(
                "sightings", chunk, {"range": {"last_seen": {"gte": cutoff}}})
            expired.extend(media_id for media_id in chunk if media_id not in kept)
        return expired[:max(0, limit)]

    def delete_media(self, media_ids: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(("media", "sightings", "faces", "fetches", "refused"), 0)
        for chunk in _chunks(list(dict.fromkeys(media_ids))):
            protected = self._referenced(chunk)
            doomed = [media_id for media_id in chunk if media_id not in protected]
            if doomed:
                counts["faces"] += self._es.delete_where("faces", _of(doomed))
                raced = self._referenced(doomed)  # a hit recorded while we were deleting
                protected |= raced
                doomed = [media_id for media_id in doomed if media_id not in raced]
            counts["refused"] += len(protected)
            if doomed:
                for name in _DEPENDENTS:
                    counts[name] += self._es.delete_where(name, _of(doomed))
                counts["media"] += self._es.delete_where("media", _of(doomed))
        return counts

    def _referenced(self, media_ids: list[str]) -> set[str]:
        """Which of `media_ids` have a hit or an alert, as of now (refreshing both indices)."""
        aliases = ",".join(self._es.alias(name) for name in ("hits", "alerts"))
        with store_errors(f"refreshing {aliases}"):
            self._es.client.indices.refresh(index=aliases)
        return self._present("hits", media_ids) | self._present("alerts", media_ids)

    def _present(self, name: str, media_ids: list[str], where: Source | None = None) -> set[str]:
        """Which of `media_ids` some document of `name` (matching `where`) points at."""
        if not media_ids:
            return set()
        self._es.refresh(name)
        query = {"bool": {"filter": [_of(media_ids), *([where] if where else [])]}}
        with store_errors(f"searching {self._es.alias(name)}"):
            response = self._es.client.search(
                index=self._es.alias(name), query=query, size=0,
                aggs={"ids": {"terms": {"field": "media_id", "size": len(media_ids)}}})
        return {str(b["key"]) for b in response["aggregations"]["ids"]["buckets"]}


def _of(media_ids: list[str]) -> Source:
    return {"terms": {"media_id": media_ids}}


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]
