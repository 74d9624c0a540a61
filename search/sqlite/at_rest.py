"""Re-encryption under a new key and audit redaction on the SQLite store.

`reencrypt` walks every encrypted column in primary-key order, a batch per transaction, and
writes each value back under the cipher's current key (the cipher reads with the old key too,
see `search.crypto`). A crash between batches leaves each value under one key or the other, all
readable by the rotating cipher; running it again renews every value, so it is idempotent and
resumes by simply starting over. Accounts' blind index is recomputed under the new key;
crawled-face embeddings written before encryption are sealed on the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection

from kernel.accounts import username_key
from search.crypto import TemplateCipher
from search.redaction import mentions, redact
from search.sqlite.db import SqliteDatabase

BATCH = 500

# table, primary key, encrypted columns (Fernet tokens, NULL allowed)
_TEXT_COLUMNS = (
    ("persons", "person_id", ("name", "email", "webhook", "webhook_secret")),
    ("templates", "template_id", ("embedding",)),
    ("cases", "case_id", ("note",)),
    ("accounts", "account_id", ("username", "password_hash")),
)


class SqliteAtRest:
    _db: SqliteDatabase
    _cipher: TemplateCipher

    def reencrypt(self) -> dict[str, int]:
        counts = {table: self._rewrite(table, key, columns, self._cipher.rotate)
                  for table, key, columns in _TEXT_COLUMNS}
        counts["faces"] = self._rewrite("faces", "face_id", ("embedding",),
                                        self._cipher.seal_vector)
        self._reindex_usernames()
        return counts

    def _rewrite(self, table: str, key: str, columns: tuple[str, ...],
                 renew: Callable[[bytes], bytes]) -> int:
        done, after = 0, ""
        names = ", ".join(columns)
        while True:
            rows = self._db.query(f"SELECT {key}, {names} FROM {table} WHERE {key} > ? "
                                  f"ORDER BY {key} LIMIT ?", (after, BATCH))
            updates = [(*(None if row[c] is None else renew(row[c]) for c in columns), row[key])
                       for row in rows]
            with self._db.transaction() as conn:
                conn.executemany(f"UPDATE {table} SET "
                                 + ", ".join(f"{c} = ?" for c in columns) + f" WHERE {key} = ?",
                                 updates)
            done += len(rows)
            if len(rows) < BATCH:
                return done
            after = rows[-1][key]

    def _reindex_usernames(self) -> None:
        rows = self._db.query("SELECT account_id, username FROM accounts")
        with self._db.transaction() as conn:
            conn.executemany("UPDATE accounts SET username_key = ? WHERE account_id = ?", [
                (self._cipher.blind_index(username_key(self._cipher.decrypt_text(r["username"]))),
                 r["account_id"]) for r in rows])

    def redact_audit(self, ids: Collection[str]) -> int:
        wanted = [i for i in ids if i]
        if not wanted:
            return 0
        changed = 0
        rows = self._db.query("SELECT event_id, subject, detail FROM audit")
        with self._db.transaction() as conn:
            for row in rows:
                if not (mentions(row["subject"], wanted) or mentions(row["detail"], wanted)):
                    continue
                detail = json.dumps(redact(json.loads(row["detail"]), wanted), sort_keys=True,
                                    separators=(",", ":"))
                conn.execute("UPDATE audit SET subject = ?, detail = ? WHERE event_id = ?",
                             (redact(row["subject"], wanted), detail, row["event_id"]))
                changed += 1
        return changed
