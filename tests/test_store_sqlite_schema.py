"""SQLite schema versioning: fresh files are created once even by racing processes, older
databases are upgraded in place by appended migrations, newer ones are refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cryptography.fernet import Fernet

from kernel.errors import StoreError
from search.crypto import TemplateCipher
from search.sqlite.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from search.sqlite.store import SqliteStore
from tests.factories import MODEL_ID, make_face, make_media, unit_vector

REPO = Path(__file__).resolve().parents[1]


def test_new_database_is_at_the_latest_version_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    SqliteStore(path, TemplateCipher.generate()).close()
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    SqliteStore(path, TemplateCipher.generate()).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        SqliteStore(path, TemplateCipher.generate())


def test_an_appended_migration_upgrades_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    media = make_media(b"kept across the upgrade")
    with SqliteStore(path, TemplateCipher.generate()) as store:
        store.upsert_media(media)
    conn = sqlite3.connect(path, isolation_level=None)
    upgraded = [*MIGRATIONS, ("ALTER TABLE media ADD COLUMN takedown_url TEXT",)]
    migrate(conn, upgraded)
    migrate(conn, upgraded)  # a second run finds nothing to do
    assert schema_version(conn) == SCHEMA_VERSION + 1
    columns = [row[1] for row in conn.execute("PRAGMA table_info(media)")]
    assert "takedown_url" in columns
    assert conn.execute("SELECT media_id FROM media").fetchall() == [(media.media_id,)]


def test_a_failed_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    SqliteStore(path, TemplateCipher.generate()).close()
    conn = sqlite3.connect(path, isolation_level=None)
    broken = [*MIGRATIONS, ("CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL")]
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, broken)
    assert schema_version(conn) == SCHEMA_VERSION
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "extra" not in tables


_OPEN_AND_WRITE = """
import sys
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import MODEL_ID, make_face, make_media, unit_vector
with SqliteStore(sys.argv[1], TemplateCipher(sys.argv[2].encode())) as store:
    for n in range(20):
        store.upsert_media(make_media(f"{sys.argv[3]}-{n}".encode()))
"""


def test_processes_racing_to_create_one_file_all_succeed(tmp_path: Path) -> None:
    path, key = tmp_path / "fresh.sqlite3", Fernet.generate_key().decode()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    workers = [
        subprocess.Popen([sys.executable, "-c", _OPEN_AND_WRITE, str(path), key, str(n)],
                         env=env, cwd=REPO, stderr=subprocess.PIPE)
        for n in range(3)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err.decode()
    with SqliteStore(path, TemplateCipher(key.encode())) as store:
        assert store.stats()["media"] == 60


def test_a_version_1_database_is_upgraded_for_video_and_signals(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:1])
    media = make_media(b"from issue 2")
    conn.execute(
        "INSERT INTO media (media_id, kind, content_type, size, first_seen, last_seen, status) "
        "VALUES (?, 'image', 'image/jpeg', 3, '2026-01-01T00:00:00.000000+00:00', "
        "'2026-01-01T00:00:00.000000+00:00', 'new')", (media.media_id,))
    conn.close()
    store = SqliteStore(path, TemplateCipher.generate())
    got = store.get_media(media.media_id)
    assert got is not None
    assert (got.fake_score, got.score_basis, got.evidence, got.duration, got.frame_count) == (
        None, "none", [], None, 0)
    store.close()


def test_faces_stored_before_the_face_feed_are_fed_to_the_index(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:-1])
    vectors = [unit_vector(seed) for seed in (1, 2)]
    for n, vector in enumerate(vectors):
        conn.execute("INSERT INTO faces (face_id, media_id, model_id, idx, bbox, landmarks, "
                     "det_score, embedding) VALUES (?, 'm', ?, ?, '[0,0,1,1]', '[]', 0.9, ?)",
                     (f"f{n}", MODEL_ID, n, vector.astype("<f4").tobytes()))
    conn.close()
    store = SqliteStore(path, TemplateCipher.generate())
    feed = store.face_feed()
    fed = store.added_faces(MODEL_ID, 0, feed.mark, 10)
    assert feed.mark == 2 and fed.seqs.tolist() == [1, 2] and store.face_count(MODEL_ID) == 2
    assert np.array_equal(fed.embeddings, np.stack(vectors))
    media = make_media(b"after the upgrade")
    store.save_enrichment(media, [make_face(media.media_id)])
    assert store.face_feed().mark == 3 and store.face_count(MODEL_ID) == 3
    store.close()
