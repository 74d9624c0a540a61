"""What only the SQLite store shows about accounts: usernames and password hashes are
ciphertext in the file, and a database made before accounts existed gains them on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from search.crypto import TemplateCipher
from search.sqlite.schema import MIGRATIONS, migrate
from search.sqlite.store import SqliteStore
from tests.factories import make_account, make_media, make_session, make_token


def test_usernames_and_password_hashes_are_ciphertext_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "jikimi.sqlite3"
    account = make_account("zelda.victim@example.org", role="victim", case_id="case-7")
    with SqliteStore(path, TemplateCipher.generate()) as store:
        store.add_account(account)
        token = make_token(account.account_id)
        store.add_token(token)
        store.create_session(make_session(account.account_id))
    data = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("jikimi.sqlite3*/**/*"))
                      + sorted(tmp_path.glob("jikimi.sqlite3*")) if p.is_file())
    assert b"zelda" not in data.lower()
    assert account.password_hash.encode() not in data
    assert b"argon2" not in data
    assert token.token_hash.encode() in data  # a hash of a random token: nothing to hide


def test_a_database_from_before_accounts_gains_them_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    cipher = TemplateCipher.generate()
    accounts = next(n for n, steps in enumerate(MIGRATIONS)
                    if any("CREATE TABLE accounts" in step for step in steps))
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:accounts])
    conn.close()
    with SqliteStore(path, cipher) as store:
        store.upsert_media(make_media(b"old"))
        store.add_account(make_account("admin", role="admin"))
    with SqliteStore(path, cipher) as store:
        assert [a.username for a in store.list_accounts()] == ["admin"]
        assert store.stats()["media"] == 1
