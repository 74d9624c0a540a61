"""The MediaStore half of the SQLite store: media, sightings, fetches and faces.

Every write is an upsert keyed by a content-derived id, so the crawler and the enrichment stage
can be re-run after a crash and converge on the same rows. Faces are read in keyset-paginated
batches (no lock is held between batches), so millions of them stream in constant memory and a
caller may mark faces matched while it iterates.

Face embeddings are strangers' biometrics: they are stored encrypted (AES-GCM, see
search/crypto.py) with the store's cipher and decrypted as they are read for matching (rows
written before that are read as plaintext until `jikimi keys rotate` seals them). A copied
database file without the key holds no usable face vector.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from kernel.errors import NotFound
from kernel.records import Evidence, Face, FetchRecord, Media, MediaKind, MediaStatus, Sighting
from search.crypto import TemplateCipher
from search.sqlite.codec import (
    dt_from_db,
    dt_to_db,
    json_from_db,
    json_to_db,
)
from search.sqlite.db import SqliteDatabase
from search.sqlite.media_expiry import SqliteMediaExpiry

FACE_BATCH = 1000

_MEDIA_COLUMNS = (
    "media_id, kind, content_type, size, first_seen, last_seen, status, error, width, height, "
    "pdq, pdq_quality, face_count, blob_key, info, duration, codec, frame_count, fake_score, "
    "score_basis, evidence, family_id"
)
_MEDIA_PLACEHOLDERS = ", ".join("?" * 22)
_FACE_COLUMNS = (
    "face_id, media_id, model_id, idx, bbox, landmarks, det_score, embedding, frame_ts, matched, "
    "track"
)
# what enrichment (re)writes (kind and type as sniffed from the bytes); crawl-time fields (first
# and last seen, size) are left alone
_ENRICHED_FIELDS = (
    "kind", "content_type", "width", "height", "pdq", "pdq_quality", "face_count", "info",
    "blob_key", "duration", "codec", "frame_count", "fake_score", "score_basis", "evidence",
    "family_id",
)


class SqliteMediaStore(SqliteMediaExpiry):
    _db: SqliteDatabase
    _cipher: TemplateCipher

    # ---------------------------------------------------------------------------- media ---
    def upsert_media(self, media: Media) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"INSERT INTO media ({_MEDIA_COLUMNS}) VALUES ({_MEDIA_PLACEHOLDERS}) "
                "ON CONFLICT (media_id) DO NOTHING",
                _media_row(media),
            )
            if cursor.rowcount == 1:
                return True
            conn.execute(
                "UPDATE media SET last_seen = MAX(last_seen, ?) WHERE media_id = ?",
                (dt_to_db(media.last_seen), media.media_id),
            )
            return False

    def get_media(self, media_id: str) -> Media | None:
        row = self._db.query_one(
            f"SELECT {_MEDIA_COLUMNS} FROM media WHERE media_id = ?", (media_id,)
        )
        return None if row is None else _media_from_row(row)

    def list_media(self) -> list[Media]:
        rows = self._db.query(f"SELECT {_MEDIA_COLUMNS} FROM media ORDER BY first_seen, media_id")
        return [_media_from_row(row) for row in rows]

    def sequences(self) -> Iterator[Media]:
        rows = self._db.query(
            f"SELECT {_MEDIA_COLUMNS} FROM media WHERE status = 'enriched' "
            "AND duration IS NOT NULL ORDER BY first_seen, media_id"
        )
        return (_media_from_row(row) for row in rows)

    def media_with_pdq(self, pdq: str, limit: int = 20) -> list[Media]:
        rows = self._db.query(
            f"SELECT {_MEDIA_COLUMNS} FROM media WHERE pdq = ? AND status = 'enriched' "
            "ORDER BY first_seen, media_id LIMIT ?", (pdq, limit),
        )
        return [_media_from_row(row) for row in rows]

    def media_to_enrich(self, limit: int | None = None) -> list[Media]:
        rows = self._db.query(
            f"SELECT {_MEDIA_COLUMNS} FROM media WHERE status = 'new' "
            "ORDER BY first_seen, media_id LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [_media_from_row(row) for row in rows]

    def save_enrichment(self, media: Media, faces: Sequence[Face]) -> None:
        face_rows = [_face_row(face, self._cipher) for face in faces]
        row = _media_row(media)
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO media ({_MEDIA_COLUMNS}) VALUES ({_MEDIA_PLACEHOLDERS}) "
                "ON CONFLICT (media_id) DO UPDATE SET status = 'enriched', error = NULL, "
                + ", ".join(f"{name} = excluded.{name}" for name in _ENRICHED_FIELDS),
                (*row[:6], "enriched", None, *row[8:]),
            )
            conn.executemany(
                f"INSERT INTO faces ({_FACE_COLUMNS}) VALUES ({', '.join('?' * 11)}) "
                "ON CONFLICT (face_id) DO UPDATE SET media_id = excluded.media_id, "
                "model_id = excluded.model_id, idx = excluded.idx, bbox = excluded.bbox, "
                "landmarks = excluded.landmarks, det_score = excluded.det_score, "
                "embedding = excluded.embedding, frame_ts = excluded.frame_ts, "
                "track = excluded.track",
                face_rows,
            )

    def set_media_error(self, media_id: str, error: str) -> None:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE media SET status = 'error', error = ? WHERE media_id = ?",
                (error, media_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no media with id {media_id}")

    # ------------------------------------------------------------------------ sightings ---
    def add_sighting(self, sighting: Sighting) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO sightings (media_id, media_url, page_url, site, first_seen, "
                "last_seen) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (media_id, media_url, page_url) DO UPDATE SET "
                "last_seen = MAX(last_seen, excluded.last_seen)",
                (sighting.media_id, sighting.media_url, sighting.page_url, sighting.site,
                 dt_to_db(sighting.first_seen), dt_to_db(sighting.last_seen)),
            )

    def sightings(self, media_id: str) -> list[Sighting]:
        rows = self._db.query(
            "SELECT * FROM sightings WHERE media_id = ? ORDER BY first_seen, media_url, page_url",
            (media_id,),
        )
        return [
            Sighting(
                media_id=row["media_id"], media_url=row["media_url"], page_url=row["page_url"],
                site=row["site"], first_seen=dt_from_db(row["first_seen"]),
                last_seen=dt_from_db(row["last_seen"]),
            )
            for row in rows
        ]

    # -------------------------------------------------------------------------- fetches ---
    def record_fetch(self, record: FetchRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO fetches (url, media_id, fetched_at, etag, last_modified, "
                "error) VALUES (?, ?, ?, ?, ?, ?)",
                (record.url, record.media_id, dt_to_db(record.fetched_at), record.etag,
                 record.last_modified, record.error),
            )

    def get_fetch(self, url: str) -> FetchRecord | None:
        row = self._db.query_one("SELECT * FROM fetches WHERE url = ?", (url,))
        if row is None:
            return None
        return FetchRecord(
            url=row["url"], media_id=row["media_id"], fetched_at=dt_from_db(row["fetched_at"]),
            etag=row["etag"], last_modified=row["last_modified"], error=row["error"],
        )

    # ---------------------------------------------------------------------------- faces ---
    def faces(self, model_id: str, *, unmatched_only: bool = False) -> Iterator[Face]:
        condition = "model_id = ? AND face_id > ?" + (" AND matched = 0" if unmatched_only else "")
        after = ""
        while True:
            rows = self._db.query(
                f"SELECT {_FACE_COLUMNS} FROM faces WHERE {condition} ORDER BY face_id LIMIT ?",
                (model_id, after, FACE_BATCH),
            )
            yield from (_face_from_row(row, self._cipher) for row in rows)
            if len(rows) < FACE_BATCH:
                return
            after = rows[-1]["face_id"]

    def get_face(self, face_id: str) -> Face | None:
        row = self._db.query_one(f"SELECT {_FACE_COLUMNS} FROM faces WHERE face_id = ?", (face_id,))
        return None if row is None else _face_from_row(row, self._cipher)

    def mark_faces_matched(self, face_ids: Iterable[str]) -> None:
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE faces SET matched = 1 WHERE face_id = ?", ((fid,) for fid in face_ids)
            )


def _media_row(media: Media) -> tuple[Any, ...]:
    return (
        media.media_id, media.kind, media.content_type, media.size, dt_to_db(media.first_seen),
        dt_to_db(media.last_seen), media.status, media.error, media.width, media.height,
        media.pdq, media.pdq_quality, media.face_count, media.blob_key,
        json_to_db(media.info, f"info of media {media.media_id}"),
        media.duration, media.codec, media.frame_count, media.fake_score, media.score_basis,
        json_to_db([e.as_dict() for e in media.evidence], f"evidence of media {media.media_id}"),
        media.family_id,
    )


def _media_from_row(row: sqlite3.Row) -> Media:
    return Media(
        media_id=row["media_id"], kind=cast(MediaKind, row["kind"]),
        content_type=row["content_type"], size=row["size"],
        first_seen=dt_from_db(row["first_seen"]), last_seen=dt_from_db(row["last_seen"]),
        status=cast(MediaStatus, row["status"]), error=row["error"], width=row["width"],
        height=row["height"], pdq=row["pdq"], pdq_quality=row["pdq_quality"],
        face_count=row["face_count"], blob_key=row["blob_key"], info=json_from_db(row["info"]),
        duration=row["duration"], codec=row["codec"], frame_count=row["frame_count"],
        fake_score=row["fake_score"], score_basis=row["score_basis"],
        evidence=[Evidence.from_dict(e) for e in json_from_db(row["evidence"])],
        family_id=row["family_id"],
    )


def _face_row(face: Face, cipher: TemplateCipher) -> tuple[Any, ...]:
    return (
        face.face_id, face.media_id, face.model_id, int(face.index),
        json_to_db([float(v) for v in face.bbox], "face bbox"),
        json_to_db([[float(x), float(y)] for x, y in face.landmarks], "face landmarks"),
        float(face.det_score), cipher.encrypt_face(face.embedding),
        None if face.frame_ts is None else float(face.frame_ts), 0,
        None if face.track is None else int(face.track),
    )


def _face_from_row(row: sqlite3.Row, cipher: TemplateCipher) -> Face:
    x, y, w, h = json_from_db(row["bbox"])
    return Face(
        media_id=row["media_id"], model_id=row["model_id"], index=row["idx"],
        bbox=(x, y, w, h), landmarks=[(px, py) for px, py in json_from_db(row["landmarks"])],
        det_score=row["det_score"], embedding=cipher.open_vector(row["embedding"]),
        frame_ts=row["frame_ts"], face_id=row["face_id"], track=row["track"],
    )
