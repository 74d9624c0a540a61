"""The TakedownStore part of the SQLite store: takedown batches, their items, each URL's status.

A batch and all its items are written in one transaction, so a batch is never seen half made.
An item's hits are rows of their own (`takedown_item_hits`) rather than a JSON list, so erasing
a person finds the items built from her hits through an index instead of reading every item.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from kernel.errors import AlreadyExists, NotFound, StoreError
from kernel.takedown import (
    CheckResult,
    EscalationStep,
    HostRecipients,
    ItemOrigin,
    TakedownBatch,
    TakedownItem,
    TakedownStatus,
    changed_item,
    recipients_from_json,
    recipients_to_json,
    with_status,
)
from search.sqlite.codec import dt_from_db, dt_to_db, json_from_db, json_to_db, opt_dt_from_db
from search.sqlite.db import SqliteDatabase

_ITEM_ORDER = " ORDER BY host, media_url, page_url, item_id"
_ITEM_COLUMNS = ("item_id", "batch_id", "media_url", "page_url", "host", "media_sha256",
                 "status", "sent_at", "removed_at", "refused_at", "note", "acknowledged_at",
                 "sent_to", "escalation", "origin", "family_of", "checked_at", "check_result")
_STATE_COLUMNS = _ITEM_COLUMNS[6:]  # what marks and follow-up may change


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
                    "item_count, legal_basis, recipients) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (batch.batch_id, batch.created_by, dt_to_db(batch.created_at),
                     json_to_db(batch.filters, "takedown filters"), batch.item_count,
                     batch.legal_basis,
                     json_to_db(recipients_to_json(batch.recipients), "recipients")))
            except sqlite3.IntegrityError:
                raise AlreadyExists(f"takedown batch {batch.batch_id} already exists") from None
            for item in items:
                conn.execute(
                    f"INSERT OR REPLACE INTO takedown_items ({', '.join(_ITEM_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_ITEM_COLUMNS))})",
                    _item_values(item, _ITEM_COLUMNS))
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
            _write_state(conn, item)
        return item

    def change_takedown_item(self, item_id: str,
                             change: Callable[[TakedownItem], TakedownItem]) -> TakedownItem:
        with self._db.transaction() as conn:
            found = self._items_in(conn, "WHERE item_id = ?", (item_id,))
            if not found:
                raise NotFound(f"no takedown item {item_id}")
            item = changed_item(found[0], change)
            _write_state(conn, item)
        return item

    def takedown_items_in(self, statuses: Iterable[TakedownStatus]) -> list[TakedownItem]:
        wanted = tuple(sorted(set(statuses)))
        if not wanted:
            return []
        return self._items(
            f"JOIN takedown_batches b USING (batch_id) WHERE status IN "
            f"({', '.join('?' * len(wanted))}) "
            "ORDER BY b.created_at, batch_id, host, media_url, page_url", wanted)

    def update_takedown_batch(self, batch_id: str, *, legal_basis: str | None = None,
                              recipients: Mapping[str, HostRecipients] | None = None
                              ) -> TakedownBatch:
        with self._db.transaction() as conn:
            if legal_basis is not None:
                conn.execute("UPDATE takedown_batches SET legal_basis = ? WHERE batch_id = ?",
                             (legal_basis, batch_id))
            if recipients is not None:
                conn.execute("UPDATE takedown_batches SET recipients = ? WHERE batch_id = ?",
                             (json_to_db(recipients_to_json(dict(recipients)), "recipients"),
                              batch_id))
            row = conn.execute("SELECT * FROM takedown_batches WHERE batch_id = ?",
                               (batch_id,)).fetchone()
        if row is None:
            raise NotFound(f"no takedown batch {batch_id!r}")
        return _batch_from_row(row)

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


def _item_values(item: TakedownItem, columns: Sequence[str]) -> tuple[Any, ...]:
    values = [getattr(item, name) for name in columns]
    return tuple(_opt_dt(v) if isinstance(v, datetime) else v for v in values)


def _write_state(conn: sqlite3.Connection, item: TakedownItem) -> None:
    conn.execute(
        f"UPDATE takedown_items SET {', '.join(f'{c} = ?' for c in _STATE_COLUMNS)} "
        "WHERE item_id = ?", (*_item_values(item, _STATE_COLUMNS), item.item_id))


def _batch_from_row(row: sqlite3.Row) -> TakedownBatch:
    return TakedownBatch(
        batch_id=row["batch_id"], created_by=row["created_by"],
        created_at=dt_from_db(row["created_at"]), filters=dict(json_from_db(row["filters"])),
        item_count=int(row["item_count"]), legal_basis=row["legal_basis"],
        recipients=recipients_from_json(dict(json_from_db(row["recipients"]))),
    )


def _item_from_row(row: sqlite3.Row, hit_ids: list[str]) -> TakedownItem:
    return TakedownItem(
        batch_id=row["batch_id"], media_url=row["media_url"], page_url=row["page_url"],
        host=row["host"], media_sha256=row["media_sha256"], hit_ids=hit_ids,
        status=cast(TakedownStatus, row["status"]), sent_at=opt_dt_from_db(row["sent_at"]),
        removed_at=opt_dt_from_db(row["removed_at"]),
        refused_at=opt_dt_from_db(row["refused_at"]), note=row["note"], item_id=row["item_id"],
        acknowledged_at=opt_dt_from_db(row["acknowledged_at"]), sent_to=row["sent_to"],
        escalation=cast(EscalationStep, row["escalation"]),
        origin=cast(ItemOrigin, row["origin"]), family_of=row["family_of"],
        checked_at=opt_dt_from_db(row["checked_at"]),
        check_result=cast("CheckResult | None", row["check_result"]),
    )
