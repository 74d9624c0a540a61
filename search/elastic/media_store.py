"""The MediaStore half on Elasticsearch: media, sightings, fetches and faces.

Semantics equal the SQLite store's, write for write: a repeated media item or sighting only
moves `last_seen` forward; enrichment rewrites its own fields and keeps crawl-time ones; a
re-enriched face keeps `matched`. Faces are written in one bulk request per media item, before
the media item is marked "enriched" — there are no multi-document transactions, so this order is
what makes a crash safe: "enriched" always means its faces are stored, and media left "new" is
simply enriched again, which rewrites the same face ids. Faces stream with search_after on
`face_id` (keyset pages, like the SQLite store), so millions stream in constant memory and a
caller may mark faces matched while it iterates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from kernel.errors import NotFound
from kernel.records import Face, FetchRecord, Media, Sighting
from search.crypto import TemplateCipher
from search.elastic.codec import (
    ENRICHED_FIELDS,
    FACE_UPDATE_FIELDS,
    doc_id,
    face_from_doc,
    face_to_doc,
    fetch_from_doc,
    fetch_to_doc,
    media_from_doc,
    media_to_doc,
    sighting_from_doc,
    sighting_id,
    sighting_to_doc,
)
from search.elastic.indices import FACE_PAGE, PAGE, ElasticIndices, Source
from search.elastic.media_expiry import ElasticMediaExpiry

MEDIA_ORDER = [{"first_seen": "asc"}, {"media_id": "asc"}]
NO_VECTORS = {"excludes": ["vector_*"]}  # kNN copies are never read back


def _later_seen(last_seen: str, fresh: Source) -> Any:
    """The rule of a repeated media item or sighting: only `last_seen` moves, and only on."""
    def rule(current: Source | None) -> Source | None:
        if current is None:
            return fresh
        if last_seen > current["last_seen"]:  # fixed-width UTC strings sort as time does
            return current | {"last_seen": last_seen}
        return None
    return rule


class ElasticMediaStore(ElasticMediaExpiry):
    _es: ElasticIndices
    _vector_fields: dict[str, int]
    _cipher: TemplateCipher

    # ---------------------------------------------------------------------------- media ---
    def upsert_media(self, media: Media) -> bool:
        doc = media_to_doc(media)  # refuses non-JSON info before anything is written
        if self._es.create("media", media.media_id, doc):
            return True
        self._es.change("media", media.media_id, _later_seen(doc["last_seen"], doc))
        return False

    def get_media(self, media_id: str) -> Media | None:
        doc = self._es.get("media", media_id)
        return None if doc is None else media_from_doc(doc)

    def list_media(self) -> list[Media]:
        return [media_from_doc(d) for d in self._es.scan("media", {"match_all": {}}, MEDIA_ORDER)]

    def sequences(self) -> Iterator[Media]:
        query = {"bool": {"filter": [{"term": {"status": "enriched"}},
                                     {"exists": {"field": "duration"}}]}}
        return (media_from_doc(d) for d in self._es.scan("media", query, MEDIA_ORDER))

    def media_to_enrich(self, limit: int | None = None) -> list[Media]:
        page = PAGE if limit is None else max(1, min(limit, PAGE))
        docs = self._es.scan("media", {"term": {"status": "new"}}, MEDIA_ORDER, page=page)
        return [media_from_doc(d) for d in islice(docs, limit)]

    def save_enrichment(self, media: Media, faces: Sequence[Face]) -> None:
        enriched = media_to_doc(media) | {"status": "enriched", "error": None}
        docs = [face_to_doc(face, self._vector_fields, self._cipher) for face in faces]
        alias = self._es.alias("faces")
        self._es.bulk(("faces",), (
            {"_op_type": "update", "_index": alias, "_id": doc["face_id"],
             "doc": {k: v for k, v in doc.items() if k in FACE_UPDATE_FIELDS
                     or k in self._vector_fields},
             "upsert": doc}
            for doc in docs
        ), f"storing faces of media {media.media_id}")

        def rule(current: Source | None) -> Source:
            if current is None:
                return enriched
            return current | {k: enriched[k] for k in ENRICHED_FIELDS} | {
                "status": "enriched", "error": None}

        self._es.change("media", media.media_id, rule)

    def set_media_error(self, media_id: str, error: str) -> None:
        if not self._es.patch("media", media_id, {"status": "error", "error": error}):
            raise NotFound(f"no media with id {media_id}")

    # ------------------------------------------------------------------------ sightings ---
    def add_sighting(self, sighting: Sighting) -> None:
        doc, sid = sighting_to_doc(sighting), sighting_id(sighting)
        if not self._es.create("sightings", sid, doc):
            self._es.change("sightings", sid, _later_seen(doc["last_seen"], doc))

    def sightings(self, media_id: str) -> list[Sighting]:
        order = [{"first_seen": "asc"}, {"media_url": "asc"}, {"page_url": "asc"}]
        docs = self._es.scan("sightings", {"term": {"media_id": media_id}}, order)
        return [sighting_from_doc(d) for d in docs]

    # -------------------------------------------------------------------------- fetches ---
    def record_fetch(self, record: FetchRecord) -> None:
        self._es.put("fetches", doc_id("fetch", record.url), fetch_to_doc(record))

    def get_fetch(self, url: str) -> FetchRecord | None:
        doc = self._es.get("fetches", doc_id("fetch", url))
        return None if doc is None else fetch_from_doc(doc)

    # ---------------------------------------------------------------------------- faces ---
    def faces(self, model_id: str, *, unmatched_only: bool = False) -> Iterator[Face]:
        filters: list[Source] = [{"term": {"model_id": model_id}}]
        if unmatched_only:
            filters.append({"term": {"matched": False}})
        docs = self._es.scan("faces", {"bool": {"filter": filters}}, [{"face_id": "asc"}],
                             source=NO_VECTORS, page=FACE_PAGE)
        return (face_from_doc(d, self._cipher) for d in docs)

    def get_face(self, face_id: str) -> Face | None:
        doc = self._es.get("faces", face_id)
        return None if doc is None else face_from_doc(doc, self._cipher)

    def mark_faces_matched(self, face_ids: Iterable[str]) -> None:
        alias = self._es.alias("faces")
        self._es.bulk(("faces",), (
            {"_op_type": "update", "_index": alias, "_id": face_id, "doc": {"matched": True}}
            for face_id in face_ids
        ), "marking faces matched", missing_ok=True)
