"""SqliteStore: the shared Store contract on a file and in memory, plus what only SQLite has —
encryption visible in the file, persistence across opens and processes, schema versioning."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cryptography.fernet import Fernet

from kernel.errors import StoreError
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.contracts.store_contract import StoreContract
from tests.factories import (
    MODEL_ID,
    make_case,
    make_face,
    make_media,
    make_person,
    make_template,
)

REPO = Path(__file__).resolve().parents[1]


class TestSqliteFile(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqliteStore]:
        opened = SqliteStore(tmp_path / "jikimi.sqlite3", TemplateCipher.generate())
        yield opened
        opened.close()


class TestSqliteMemory(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[SqliteStore]:
        opened = SqliteStore(":memory:", TemplateCipher.generate())
        yield opened
        opened.close()


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jikimi.sqlite3"


def raw_bytes(db_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))


def test_names_contacts_and_templates_are_encrypted_in_the_file(db_path: Path,
                                                                 key: bytes) -> None:
    person = make_person("Zelda Plaintextname", email="zelda@example.org",
                         webhook="https://hooks.example.org/zelda",
                         webhook_secret="zelda-hook-signing-secret")
    template = make_template(person.person_id, 7)
    store = SqliteStore(db_path, TemplateCipher(key))
    store.add_person(person, [template])
    row = sqlite3.connect(db_path).execute(
        "SELECT name, email, webhook, ref FROM persons").fetchone()
    assert TemplateCipher(key).decrypt_text(row[0]) == person.name
    assert row[3] == person.ref
    store.close()
    data = raw_bytes(db_path)
    for secret in (b"Zelda Plaintextname", b"zelda@example.org", b"hooks.example.org/zelda",
                   b"zelda-hook-signing-secret",
                   np.asarray(template.embedding, dtype="<f4").tobytes()[:32]):
        assert secret not in data
    assert person.ref.encode() in data  # the pseudonymous ref is what exports may show


def test_erased_person_leaves_no_bytes_in_the_files(db_path: Path, key: bytes) -> None:
    person = make_person("Erased Person", ref="REF-ERASED-0001")
    template = make_template(person.person_id, 3)
    store = SqliteStore(db_path, TemplateCipher(key))
    store.add_person(person, [template])
    name_token = sqlite3.connect(db_path).execute("SELECT name FROM persons").fetchone()[0]
    other = make_person("Still Enrolled")  # shares the pages the erased rows were on
    store.add_person(other, [make_template(other.person_id, 4)])
    assert b"REF-ERASED-0001" in raw_bytes(db_path)
    store.delete_person(person.person_id)
    data = raw_bytes(db_path)  # read while the store is still open: no close-time cleanup
    assert b"REF-ERASED-0001" not in data
    assert name_token not in data
    assert person.person_id.encode() not in data
    store.close()


def test_case_notes_are_encrypted_and_erased_with_the_person(db_path: Path, key: bytes) -> None:
    person = make_person("Case Person")
    case = make_case(person.person_id, note="PARTNER-CASE-2024-0113")
    store = SqliteStore(db_path, TemplateCipher(key))
    store.add_person(person, [])
    store.add_case(case)
    token = sqlite3.connect(db_path).execute("SELECT note FROM cases").fetchone()[0]
    assert b"PARTNER-CASE-2024-0113" not in raw_bytes(db_path)
    assert TemplateCipher(key).decrypt_text(token) == case.note
    store.delete_person(person.person_id)
    assert token not in raw_bytes(db_path)  # zeroed, not just unlinked
    store.close()


def test_reopen_keeps_everything_and_a_wrong_key_cannot_read(db_path: Path, key: bytes) -> None:
    person = make_person("Reopened")
    media = make_media(b"persist")
    with SqliteStore(db_path, TemplateCipher(key)) as store:
        store.add_person(person, [make_template(person.person_id)])
        store.upsert_media(media)
        store.save_enrichment(media, [make_face(media.media_id)])
    with SqliteStore(db_path, TemplateCipher(key)) as store:
        assert store.get_person(person.person_id) == person
        assert store.get_media(media.media_id) is not None
        assert len(list(store.faces(MODEL_ID))) == 1
    with SqliteStore(db_path, TemplateCipher.generate()) as store, pytest.raises(StoreError):
        store.templates(MODEL_ID)


def test_files_are_owner_only(db_path: Path, key: bytes) -> None:
    with SqliteStore(db_path, TemplateCipher(key)) as store:
        store.upsert_media(make_media(b"mode"))
        for path in db_path.parent.glob(db_path.name + "*"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_file_that_is_not_a_database_is_a_store_error(db_path: Path, key: bytes) -> None:
    db_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        SqliteStore(db_path, TemplateCipher(key))


def test_closed_store_refuses_use(key: bytes) -> None:
    store = SqliteStore(":memory:", TemplateCipher(key))
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.stats()


_CHILD_WRITER = """
import sys
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_face, make_media
store = SqliteStore(sys.argv[1], TemplateCipher(sys.argv[2].encode()))
media = make_media(b"from the child")
store.upsert_media(media)
store.save_enrichment(media, [make_face(media.media_id, i) for i in range(3)])
store.close()
"""


def test_another_process_reads_what_one_wrote(db_path: Path, key: bytes) -> None:
    parent = SqliteStore(db_path, TemplateCipher(key))  # open before the child writes
    parent.upsert_media(make_media(b"from the parent"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", _CHILD_WRITER, str(db_path), key.decode()],
                   check=True, env=env, cwd=REPO, timeout=60)
    assert parent.stats()["media"] == 2
    assert len(list(parent.faces(MODEL_ID))) == 3
    parent.close()


def _write_from_fork(store: SqliteStore) -> None:
    inherited = store._db._conn  # a SQLite connection must never be used across fork()
    store.upsert_media(make_media(b"forked"))
    sys.exit(0 if store._db._conn is not inherited else 3)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork()")
def test_a_forked_child_opens_its_own_connection(db_path: Path, key: bytes) -> None:
    store = SqliteStore(db_path, TemplateCipher(key))
    store.upsert_media(make_media(b"before fork"))
    held, release = threading.Event(), threading.Event()

    def hold_lock() -> None:  # another parent thread is mid-query when the fork happens
        with store._db._lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(30)
    child = multiprocessing.get_context("fork").Process(target=_write_from_fork, args=(store,))
    child.start()
    child.join(30)
    if child.is_alive():  # deadlocked on the inherited lock
        child.kill()
    release.set()
    holder.join()
    assert child.exitcode == 0
    assert store.stats()["media"] == 2
    store.close()
