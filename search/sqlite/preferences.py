"""The PreferenceStore half of the SQLite store: one row of notification choices per case.

The row holds switches, a mode, hours and a time zone name — nothing that identifies her (her
addresses stay on the person, encrypted) — so it is stored in the clear.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from kernel.preferences import DeliveryMode, NotificationPreferences
from search.sqlite.codec import dt_from_db, dt_to_db
from search.sqlite.db import SqliteDatabase

_COLUMNS = ("case_id", "email", "webhook", "mode", "digest_hour", "quiet_start", "quiet_end",
            "timezone", "updated_at")


class SqlitePreferenceStore:
    _db: SqliteDatabase

    def get_preferences(self, case_id: str) -> NotificationPreferences | None:
        row = self._db.query_one("SELECT * FROM notification_prefs WHERE case_id = ?",
                                 (case_id,))
        return None if row is None else _from_row(row)

    def save_preferences(self, prefs: NotificationPreferences) -> None:
        marks = ", ".join("?" for _ in _COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "case_id")
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO notification_prefs ({', '.join(_COLUMNS)}) VALUES ({marks}) "
                f"ON CONFLICT (case_id) DO UPDATE SET {updates}",
                (prefs.case_id, int(prefs.email), int(prefs.webhook), prefs.mode,
                 prefs.digest_hour, prefs.quiet_start, prefs.quiet_end, prefs.timezone,
                 dt_to_db(prefs.updated_at)),
            )

    def delete_preferences(self, case_id: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute("DELETE FROM notification_prefs WHERE case_id = ?",
                                  (case_id,))
            return cursor.rowcount > 0


def _from_row(row: sqlite3.Row) -> NotificationPreferences:
    return NotificationPreferences(
        case_id=row["case_id"], email=bool(row["email"]), webhook=bool(row["webhook"]),
        mode=cast(DeliveryMode, row["mode"]), digest_hour=row["digest_hour"],
        quiet_start=row["quiet_start"], quiet_end=row["quiet_end"], timezone=row["timezone"],
        updated_at=dt_from_db(row["updated_at"]),
    )
