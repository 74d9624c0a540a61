"""The CaseStore half of the SQLite store: cases, with their note encrypted.

A case's note is the one field that may identify the person (a partner organisation's case
number, a remark), so it is encrypted with the template cipher like names and contacts; the
verification and consent fields are fixed words, an operator's name and times, kept in the clear
for the audit. Erasure of the person scrubs her case inside the person store's transaction
(`scrub_cases`), so there is no state in which she is gone but her note is not.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from kernel.cases import Case, CaseStatus, Consent, Verification
from kernel.errors import NotFound
from kernel.records import utcnow
from search.crypto import TemplateCipher
from search.sqlite.codec import dt_from_db, dt_to_db, opt_dt_from_db
from search.sqlite.db import SqliteDatabase

_COLUMNS = (
    "case_id", "person_id", "status", "verification_method", "verified_by", "verified_at",
    "consent_version", "consent_channel", "consent_accepted_at", "note", "created_at",
    "closed_at",
)


class SqliteCaseStore:
    _db: SqliteDatabase
    _cipher: TemplateCipher

    def add_case(self, case: Case) -> bool:
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"INSERT INTO cases ({', '.join(_COLUMNS)}) VALUES ({marks}) "
                "ON CONFLICT (case_id) DO NOTHING",
                self._row(case),
            )
            return cursor.rowcount == 1

    def get_case(self, case_id: str) -> Case | None:
        row = self._db.query_one("SELECT * FROM cases WHERE case_id = ?", (case_id,))
        return None if row is None else self._case_from_row(row)

    def list_cases(self, status: str | None = None) -> list[Case]:
        where, params = ("", ()) if status is None else (" WHERE status = ?", (status,))
        rows = self._db.query(f"SELECT * FROM cases{where} ORDER BY created_at, case_id", params)
        return [self._case_from_row(row) for row in rows]

    def update_case(self, case: Case) -> None:
        changed = [c for c in _COLUMNS if c not in ("case_id", "created_at")]
        values = dict(zip(_COLUMNS, self._row(case), strict=True))
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE cases SET {', '.join(f'{c} = ?' for c in changed)} WHERE case_id = ?",
                (*(values[c] for c in changed), case.case_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no case with id {case.case_id}")

    def case_of_person(self, person_id: str) -> Case | None:
        row = self._db.query_one(
            "SELECT * FROM cases WHERE person_id = ? ORDER BY created_at, case_id LIMIT 1",
            (person_id,),
        )
        return None if row is None else self._case_from_row(row)

    def _row(self, case: Case) -> tuple[object, ...]:
        v, c = case.verification, case.consent
        return (
            case.case_id, case.person_id, case.status, v.method, v.verified_by,
            dt_to_db(v.verified_at), c.version, c.channel, dt_to_db(c.accepted_at),
            None if case.note is None else self._cipher.encrypt_text(case.note),
            dt_to_db(case.created_at),
            None if case.closed_at is None else dt_to_db(case.closed_at),
        )

    def _case_from_row(self, row: sqlite3.Row) -> Case:
        return Case(
            case_id=row["case_id"], person_id=row["person_id"],
            status=cast(CaseStatus, row["status"]),
            verification=Verification(row["verification_method"], row["verified_by"],
                                      dt_from_db(row["verified_at"])),
            consent=Consent(row["consent_version"], row["consent_channel"],
                            dt_from_db(row["consent_accepted_at"])),
            note=None if row["note"] is None else self._cipher.decrypt_text(row["note"]),
            created_at=dt_from_db(row["created_at"]),
            closed_at=opt_dt_from_db(row["closed_at"]),
        )


def scrub_cases(conn: sqlite3.Connection, person_id: str) -> None:
    """Inside the erasure's transaction: drop the notes of the person's cases, and mark an open
    one withdrawn. What stays (method, operator, consent version, times) names nobody."""
    now = dt_to_db(utcnow())
    conn.execute(
        "UPDATE cases SET note = NULL, closed_at = COALESCE(closed_at, ?), "
        "status = CASE status WHEN 'open' THEN 'withdrawn' ELSE status END "
        "WHERE person_id = ?",
        (now, person_id),
    )
