"""The AccountStore half of the SQLite store: accounts, API tokens and web sessions.

Usernames and password hashes are encrypted with the store's cipher like enrolled people's
names: a victim's account name may be her e-mail address, and a copied file must reveal neither
who has an account nor a hash to crack offline. Uniqueness and lookups go through the blind
index of the normalised username (`username_key`). Tokens and sessions hold only SHA-256 hashes
of their secrets, which need no further protection.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import cast

from kernel.accounts import Account, ApiToken, Role, WebSession, username_key
from kernel.errors import AlreadyExists, NotFound
from search.crypto import TemplateCipher
from search.sqlite.codec import dt_from_db, dt_to_db, opt_dt_from_db
from search.sqlite.db import SqliteDatabase


def _opt_dt(value: datetime | None) -> str | None:
    return None if value is None else dt_to_db(value)


class SqliteAccountStore:
    _db: SqliteDatabase
    _cipher: TemplateCipher

    # ------------------------------------------------------------------------- accounts ---
    def add_account(self, account: Account) -> None:
        encrypt = self._cipher.encrypt_text
        row = (
            account.account_id, encrypt(account.username), self._username_index(account.username),
            account.role, encrypt(account.password_hash), account.case_id,
            dt_to_db(account.created_at), int(account.disabled), account.failed_logins,
            _opt_dt(account.locked_until), _opt_dt(account.last_login),
        )
        with self._db.transaction() as conn:
            try:
                conn.execute(
                    "INSERT INTO accounts (account_id, username, username_key, role, "
                    "password_hash, case_id, created_at, disabled, failed_logins, locked_until, "
                    "last_login) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            except sqlite3.IntegrityError:
                raise AlreadyExists(
                    f"an account named {account.username!r} or with id {account.account_id} "
                    "already exists") from None

    def get_account(self, account_id: str) -> Account | None:
        row = self._db.query_one("SELECT * FROM accounts WHERE account_id = ?", (account_id,))
        return None if row is None else self._account_from_row(row)

    def get_account_by_username(self, username: str) -> Account | None:
        row = self._db.query_one("SELECT * FROM accounts WHERE username_key = ?",
                                 (self._username_index(username),))
        return None if row is None else self._account_from_row(row)

    def list_accounts(self) -> list[Account]:
        rows = self._db.query("SELECT * FROM accounts ORDER BY created_at, account_id")
        return [self._account_from_row(row) for row in rows]

    def update_account(self, account: Account) -> None:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE accounts SET role = ?, password_hash = ?, case_id = ?, disabled = ?, "
                "failed_logins = ?, locked_until = ?, last_login = ? WHERE account_id = ?",
                (account.role, self._cipher.encrypt_text(account.password_hash),
                 account.case_id, int(account.disabled), account.failed_logins,
                 _opt_dt(account.locked_until), _opt_dt(account.last_login),
                 account.account_id),
            ).rowcount
        if not changed:
            raise NotFound(f"no account with id {account.account_id}")

    def record_login_failure(self, account_id: str, *, max_failures: int,
                             lock_until: datetime) -> Account:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE account_id = ?",
                (account_id,)).rowcount
            if not changed:
                raise NotFound(f"no account with id {account_id}")
            conn.execute(
                "UPDATE accounts SET failed_logins = 0, locked_until = ? "
                "WHERE account_id = ? AND failed_logins >= ?",
                (dt_to_db(lock_until), account_id, max_failures))
            row = conn.execute("SELECT * FROM accounts WHERE account_id = ?",
                               (account_id,)).fetchone()
        return self._account_from_row(row)

    def _username_index(self, username: str) -> str:
        return self._cipher.blind_index(username_key(username))

    def _account_from_row(self, row: sqlite3.Row) -> Account:
        decrypt = self._cipher.decrypt_text
        return Account(
            account_id=row["account_id"], username=decrypt(row["username"]),
            role=cast(Role, row["role"]), password_hash=decrypt(row["password_hash"]),
            case_id=row["case_id"], created_at=dt_from_db(row["created_at"]),
            disabled=bool(row["disabled"]), failed_logins=int(row["failed_logins"]),
            locked_until=opt_dt_from_db(row["locked_until"]),
            last_login=opt_dt_from_db(row["last_login"]),
        )

    # --------------------------------------------------------------------------- tokens ---
    def add_token(self, token: ApiToken) -> None:
        with self._db.transaction() as conn:
            try:
                conn.execute(
                    "INSERT INTO api_tokens (token_id, token_hash, account_id, label, "
                    "created_at, expires_at, last_used, revoked_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (token.token_id, token.token_hash, token.account_id, token.label,
                     dt_to_db(token.created_at), dt_to_db(token.expires_at),
                     _opt_dt(token.last_used), _opt_dt(token.revoked_at)))
            except sqlite3.IntegrityError:
                raise AlreadyExists(f"API token {token.token_id} already exists") from None

    def find_token(self, token_hash: str) -> ApiToken | None:
        row = self._db.query_one("SELECT * FROM api_tokens WHERE token_hash = ?", (token_hash,))
        return None if row is None else _token_from_row(row)

    def touch_token(self, token_hash: str, at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE api_tokens SET last_used = ? WHERE token_hash = ?",
                         (dt_to_db(at), token_hash))

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        with self._db.transaction() as conn:
            found = conn.execute(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE token_id = ?",
                (dt_to_db(at), token_id)).rowcount
        return bool(found)

    def list_tokens(self, account_id: str | None = None) -> list[ApiToken]:
        params: tuple[str, ...]
        sql, params = "SELECT * FROM api_tokens", ()
        if account_id is not None:
            sql, params = sql + " WHERE account_id = ?", (account_id,)
        rows = self._db.query(sql + " ORDER BY created_at, token_id", params)
        return [_token_from_row(row) for row in rows]

    # ------------------------------------------------------------------------- sessions ---
    def create_session(self, session: WebSession) -> None:
        with self._db.transaction() as conn:
            try:
                conn.execute(
                    "INSERT INTO web_sessions (session_hash, account_id, csrf_token, "
                    "created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (session.session_hash, session.account_id, session.csrf_token,
                     dt_to_db(session.created_at), dt_to_db(session.last_seen),
                     dt_to_db(session.expires_at)))
            except sqlite3.IntegrityError:
                raise AlreadyExists("a web session with this id already exists") from None

    def get_session(self, session_hash: str) -> WebSession | None:
        row = self._db.query_one("SELECT * FROM web_sessions WHERE session_hash = ?",
                                 (session_hash,))
        if row is None:
            return None
        return WebSession(
            session_hash=row["session_hash"], account_id=row["account_id"],
            csrf_token=row["csrf_token"], expires_at=dt_from_db(row["expires_at"]),
            created_at=dt_from_db(row["created_at"]), last_seen=dt_from_db(row["last_seen"]),
        )

    def touch_session(self, session_hash: str, at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE web_sessions SET last_seen = ? WHERE session_hash = ?",
                         (dt_to_db(at), session_hash))

    def delete_session(self, session_hash: str) -> bool:
        with self._db.transaction() as conn:
            return bool(conn.execute("DELETE FROM web_sessions WHERE session_hash = ?",
                                     (session_hash,)).rowcount)

    def delete_account_sessions(self, account_id: str) -> int:
        with self._db.transaction() as conn:
            return int(conn.execute("DELETE FROM web_sessions WHERE account_id = ?",
                                    (account_id,)).rowcount)

    def delete_stale_sessions(self, *, expired_at: datetime, idle_since: datetime) -> int:
        with self._db.transaction() as conn:
            return int(conn.execute(
                "DELETE FROM web_sessions WHERE expires_at <= ? OR last_seen < ?",
                (dt_to_db(expired_at), dt_to_db(idle_since))).rowcount)


def _token_from_row(row: sqlite3.Row) -> ApiToken:
    return ApiToken(
        token_id=row["token_id"], account_id=row["account_id"], token_hash=row["token_hash"],
        label=row["label"], expires_at=dt_from_db(row["expires_at"]),
        created_at=dt_from_db(row["created_at"]), last_used=opt_dt_from_db(row["last_used"]),
        revoked_at=opt_dt_from_db(row["revoked_at"]),
    )
