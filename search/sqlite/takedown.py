"""The TakedownStore part of the SQLite store: takedown batches, their items, each URL's status.

A batch and all its items are written in one transaction, so a batch is never seen half made.
An item's hits are rows of their own (`takedown_item_hits`) rather than a JSON list, so erasing
a person finds the items built from her hits through an index instead of reading every item.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from kernel.errors import AlreadyExists, NotFound, StoreError
from kernel.takedown import TakedownBatch, TakedownItem, TakedownStatus, with_status
from search.sqlite.codec import dt_from_db, dt_to_db, json_from_db, json_to_db, opt_dt_from_db
from search.sqlite.db import SqliteDatabase

_ITEM_ORDER = " ORDER BY host, media_url, page_url, item_id"


def _opt_dt(value: datetime | None) -> str | None:
    return None if value is None else dt_to_db(value)


class SqliteTakedownStore:
    _db: SqliteDatabase

    def add_takedown_batch(self, batch: TakedownBatch, items: Sequence[TakedownItem]) -> None:
        if any(item.batch_id != batch.batch_id for item in items):
            raise StoreError(f"every item of takedown batch {batch.batch_id} must carry its id")
        with self._db.transaction() as conn:
            try:
                conn.execute(
                    "INSERT INTO takedown_batches (batch_id, created_by, created_at, filters, "
                    "item_count) VALUES (?, ?, ?, ?, ?)",
                    (batch.batch_id, batch.created_by, dt_to_db(batch.created_at),
                     json_to_db(batch.filters, "takedown filters"), batch.item_count))
            except sqlite3.IntegrityError:
                raise AlreadyExists(f"takedown batch {batch.batch_id} already exists") from None
            for item in items:
                conn.execute(
                    "INSERT OR REPLACE INTO takedown_items (item_id, batch_id, media_url, "
                    "page_url, host, media_sha256, status, sent_at, removed_at, refused_at, "
                    "note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (item.item_id, batch.batch_id, item.media_url, item.page_url, item.host,
                     item.media_sha256, item.status, _opt_dt(item.sent_at),
                     _opt_dt(item.removed_at), _opt_dt(item.refused_at), item.note))
                conn.executemany(
                    "INSERT OR IGNORE INTO takedown_item_hits (hit_id, item_id) VALUES (?, ?)",
                    [(hit_id, item.item_id) for hit_id in item.hit_ids])

    def takedown_batches(self) -> list[TakedownBatch]:
        rows = self._db.query(
            "SELECT * FROM takedown_batches ORDER BY created_at DESC, batch_id")
        return [_batch_from_row(row) for row in rows]

    def get_takedown_batch(self, batch_id: str) -> TakedownBatch | None:
        row = self._db.query_one("SELECT * FROM takedown_batches WHERE batch_id = ?",
                                 (batch_id,))
        return None if row is None else _batch_from_row(row)

    def takedown_items(self, batch_id: str) -> list[TakedownItem]:
        return self._items("WHERE batch_id = ?" + _ITEM_ORDER, (batch_id,))

    def set_takedown_status(self, item_id: str, status: TakedownStatus, at: datetime,
                            note: str | None = None) -> TakedownItem:
        with self._db.transaction() as conn:
            found = self._items_in(conn, "WHERE item_id = ?", (item_id,))
            if not found:
                raise NotFound(f"no takedown item {item_id}")
            item = with_status(found[0], status, at, note)
            conn.execute(
                "UPDATE takedown_items SET status = ?, sent_at = ?, removed_at = ?, "
                "refused_at = ?, note = ? WHERE item_id = ?",
                (item.status, _opt_dt(item.sent_at), _opt_dt(item.removed_at),
                 _opt_dt(item.refused_at), item.note, item_id))
        return item

    def takedown_items_by_url(self, url: str) -> list[TakedownItem]:
        return self._items(
            "JOIN takedown_batches b USING (batch_id) WHERE media_url = ? OR page_url = ? "
            "ORDER BY b.created_at, batch_id, host, media_url, page_url", (url, url))

    def forget_takedown_hits(self, hit_ids: Iterable[str]) -> int:
        wanted = sorted(set(hit_ids))
        if not wanted:
            return 0
        marks = ", ".join("?" * len(wanted))
        with self._db.transaction() as conn:
            touched = [row[0] for row in conn.execute(
                f"SELECT DISTINCT item_id FROM takedown_item_hits WHERE hit_id IN ({marks})",
                wanted)]
            conn.execute(f"DELETE FROM takedown_item_hits WHERE hit_id IN ({marks})", wanted)
            deleted = 0
            for item_id in touched:
                left = conn.execute("SELECT 1 FROM takedown_item_hits WHERE item_id = ? LIMIT 1",
                                    (item_id,)).fetchone()
                if left is None:
                    deleted += conn.execute("DELETE FROM takedown_items WHERE item_id = ?",
                                            (item_id,)).rowcount
        self._db.checkpoint()
        return deleted

    def _items(self, clause: str, params: tuple[str, ...]) -> list[TakedownItem]:
        with self._db.transaction() as conn:  # items and their hits read as of one moment
            return self._items_in(conn, clause, params)

    @staticmethod
    def _items_in(conn: sqlite3.Connection, clause: str,
                  params: tuple[str, ...]) -> list[TakedownItem]:
        rows = conn.execute(f"SELECT takedown_items.* FROM takedown_items {clause}",
                            params).fetchall()
        hits: dict[str, list[str]] = {}
        ids = [row["item_id"] for row in rows]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for hit_id, item_id in conn.execute(
                    "SELECT hit_id, item_id FROM takedown_item_hits WHERE item_id IN "
                    f"({', '.join('?' * len(chunk))})", chunk):
                hits.setdefault(item_id, []).append(hit_id)
        return [_item_from_row(row, hits.get(row["item_id"], [])) for row in rows]


def _batch_from_row(row: sqlite3.Row) -> TakedownBatch:
    return TakedownBatch(
        batch_id=row["batch_id"], created_by=row["created_by"],
        created_at=dt_from_db(row["created_at"]), filters=dict(json_from_db(row["filters"])),
        item_count=int(row["item_count"]),
    )


def _item_from_row(row: sqlite3.Row, hit_ids: list[str]) -> TakedownItem:
    return TakedownItem(
        batch_id=row["batch_id"], media_url=row["media_url"], page_url=row["page_url"],
        host=row["host"], media_sha256=row["media_sha256"], hit_ids=hit_ids,
        status=cast(TakedownStatus, row["status"]), sent_at=opt_dt_from_db(row["sent_at"]),
        removed_at=opt_dt_from_db(row["removed_at"]),
        refused_at=opt_dt_from_db(row["refused_at"]), note=row["note"], item_id=row["item_id"],
    )
