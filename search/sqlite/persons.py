"""The PersonStore half of the SQLite store: enrolled people, their templates, and erasure.

Names, e-mail addresses, webhook URLs and signing secrets, and template embeddings are encrypted
with the template cipher before they reach the database, so a copied database file reveals
neither who is enrolled nor their biometric templates. Only the pseudonymous `ref` and the model
id stay in the clear.
Erasure removes everything tied to the person in one transaction (there is no half-erased state;
her case stays for the audit, without its note), and with `secure_delete` plus a WAL checkpoint
the erased bytes do not linger in the file either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from kernel.errors import NotFound
from kernel.records import Person, Template, require_own_templates, utcnow
from search.crypto import TemplateCipher
from search.sqlite.cases import scrub_cases
from search.sqlite.codec import dt_from_db, dt_to_db
from search.sqlite.db import SqliteDatabase


class SqlitePersonStore:
    _db: SqliteDatabase
    _cipher: TemplateCipher

    def add_person(self, person: Person, templates: Sequence[Template]) -> None:
        """Insert or update the person (keeping `created_at`) and upsert their templates."""
        require_own_templates(person, templates)
        encrypt = self._cipher.encrypt_text
        person_row = (
            person.person_id, encrypt(person.name), person.ref,
            None if person.email is None else encrypt(person.email),
            None if person.webhook is None else encrypt(person.webhook),
            dt_to_db(person.created_at),
            None if person.webhook_secret is None else encrypt(person.webhook_secret),
        )
        template_rows = [
            (t.template_id, t.person_id, t.model_id, self._cipher.encrypt_vector(t.embedding),
             dt_to_db(t.created_at))
            for t in templates
        ]
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO persons (person_id, name, ref, email, webhook, created_at, "
                "webhook_secret) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE "
                "SET name = excluded.name, ref = excluded.ref, email = excluded.email, "
                "webhook = excluded.webhook, webhook_secret = excluded.webhook_secret",
                person_row,
            )
            conn.executemany(
                "INSERT INTO templates (template_id, person_id, model_id, embedding, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (template_id) DO UPDATE SET "
                "model_id = excluded.model_id, embedding = excluded.embedding",
                template_rows,
            )

    def get_person(self, person_id: str) -> Person | None:
        row = self._db.query_one("SELECT * FROM persons WHERE person_id = ?", (person_id,))
        return None if row is None else self._person_from_row(row)

    def list_persons(self) -> list[Person]:
        rows = self._db.query("SELECT * FROM persons ORDER BY created_at, person_id")
        return [self._person_from_row(row) for row in rows]

    def templates(self, model_id: str) -> list[Template]:
        rows = self._db.query(
            "SELECT * FROM templates WHERE model_id = ? ORDER BY person_id, template_id",
            (model_id,),
        )
        return [
            Template(
                template_id=row["template_id"], person_id=row["person_id"],
                model_id=row["model_id"], embedding=self._cipher.decrypt_vector(row["embedding"]),
                created_at=dt_from_db(row["created_at"]),
            )
            for row in rows
        ]

    def template_models(self) -> list[str]:
        """Model ids that at least one enrolled template was made with, sorted."""
        rows = self._db.query("SELECT DISTINCT model_id FROM templates ORDER BY model_id")
        return [row["model_id"] for row in rows]

    def save_calibration(self, person_id: str, model_id: str, data: bytes) -> None:
        """Upsert the person's calibration record for one model. It holds counts of similarity
        scores, nothing a face or a template could be rebuilt from, so it is stored in the clear."""
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM persons WHERE person_id = ?", (person_id,)).fetchone() \
                    is None:
                raise NotFound(f"no enrolled person with id {person_id}")
            conn.execute(
                "INSERT INTO calibrations (person_id, model_id, data, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (person_id, model_id) DO UPDATE SET "
                "data = excluded.data, updated_at = excluded.updated_at",
                (person_id, model_id, bytes(data), dt_to_db(utcnow())),
            )

    def load_calibration(self, person_id: str, model_id: str) -> bytes | None:
        row = self._db.query_one(
            "SELECT data FROM calibrations WHERE person_id = ? AND model_id = ?",
            (person_id, model_id),
        )
        return None if row is None else bytes(row["data"])

    def delete_person(self, person_id: str) -> dict[str, int]:
        """Erase the person, templates, calibrations, hits, alerts and their deliveries, and scrub
        her case; return the counts."""
        where = (person_id,)
        with self._db.transaction() as conn:
            persons = conn.execute("DELETE FROM persons WHERE person_id = ?", where).rowcount
            if persons == 0:
                raise NotFound(f"no enrolled person with id {person_id}")
            templates = conn.execute("DELETE FROM templates WHERE person_id = ?", where).rowcount
            conn.execute("DELETE FROM calibrations WHERE person_id = ?", where)
            hits = conn.execute("DELETE FROM hits WHERE person_id = ?", where).rowcount
            conn.execute(
                "DELETE FROM deliveries WHERE alert_id IN "
                "(SELECT alert_id FROM alerts WHERE person_id = ?)",
                where,
            )
            alerts = conn.execute("DELETE FROM alerts WHERE person_id = ?", where).rowcount
            scrub_cases(conn, person_id)
        self._db.checkpoint()
        return {"persons": persons, "templates": templates, "hits": hits, "alerts": alerts}

    def _person_from_row(self, row: sqlite3.Row) -> Person:
        decrypt = self._cipher.decrypt_text
        return Person(
            person_id=row["person_id"], name=decrypt(row["name"]), ref=row["ref"],
            email=None if row["email"] is None else decrypt(row["email"]),
            webhook=None if row["webhook"] is None else decrypt(row["webhook"]),
            created_at=dt_from_db(row["created_at"]),
            webhook_secret=None if row["webhook_secret"] is None
            else decrypt(row["webhook_secret"]),
        )
