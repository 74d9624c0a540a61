"""The SQLite store's face feed: what a derived face index reads to stay in step with it.

Triggers (a schema migration of issue 15) number every change to `faces` and log removals, so
the feed sees writes from every path: enrichment (a re-enriched face is a removal and an
addition), retention (`delete_media`), key rotation (every embedding rewritten). They keep each
model's face count too, so checking it costs one row. Reads are keyset ranges on
`faces (model_id, seq)` and `face_removals (model_id, mark)`. Embeddings are decrypted here in
bulk (one AES-GCM open per face), as `faces()` does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kernel.ports import FedFaces, FeedState
from kernel.records import Face
from search.crypto import TemplateCipher
from search.sqlite.db import SqliteDatabase
from search.sqlite.media import _FACE_COLUMNS, _face_from_row

_CHUNK = 500  # seqs per IN (...) list


class SqliteFaceFeed:
    _db: SqliteDatabase
    _cipher: TemplateCipher

    def face_feed(self) -> FeedState:
        row = self._db.query_one("SELECT feed_id, mark, trimmed FROM face_feed WHERE id = 1")
        assert row is not None  # the migration inserts the one row
        return FeedState(row["feed_id"], int(row["mark"]), int(row["trimmed"]))

    def added_faces(self, model_id: str, after: int, upto: int, limit: int) -> FedFaces:
        rows = self._db.query(
            "SELECT seq, embedding FROM faces WHERE model_id = ? AND seq > ? AND seq <= ? "
            "ORDER BY seq LIMIT ?", (model_id, after, upto, limit))
        seqs = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return FedFaces(seqs, np.zeros((0, 0), dtype=np.float32))
        opened = [self._cipher.open_vector(row[1]) for row in rows]
        return FedFaces(seqs, np.stack(opened).astype(np.float32, copy=False))

    def removed_faces(self, model_id: str, after: int, upto: int) -> np.ndarray:
        rows = self._db.query(
            "SELECT seq FROM face_removals WHERE model_id = ? AND mark > ? AND mark <= ?",
            (model_id, after, upto))
        return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))

    def face_count(self, model_id: str) -> int:
        row = self._db.query_one("SELECT n FROM face_counts WHERE model_id = ?", (model_id,))
        return 0 if row is None else int(row[0])

    def faces_at(self, model_id: str, seqs: Sequence[int]) -> list[tuple[int, Face]]:
        wanted = [int(s) for s in seqs]
        found: list[tuple[int, Face]] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            rows = self._db.query(
                f"SELECT seq, {_FACE_COLUMNS} FROM faces WHERE model_id = ? "
                f"AND seq IN ({', '.join('?' * len(chunk))})", (model_id, *chunk))
            found += [(int(row["seq"]), _face_from_row(row, self._cipher)) for row in rows]
        return sorted(found, key=lambda pair: pair[0])

    def forget_removals(self, through: int) -> int:
        with self._db.transaction() as conn:
            gone = conn.execute("DELETE FROM face_removals WHERE mark <= ?", (through,)).rowcount
            conn.execute("UPDATE face_feed SET trimmed = MAX(trimmed, ?) WHERE id = 1",
                         (through,))
        return int(gone)
