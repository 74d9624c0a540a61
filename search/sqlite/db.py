"""One SQLite connection shared safely by threads, and by processes one after another.

The crawler writes from a child process while the parent (or a scheduler task) reads, so file
databases use WAL (readers never block the writer) and a busy timeout (a second writer waits
instead of failing). Inside one process a single connection is shared under a lock; a forked
child notices the pid change and opens its own connection instead of reusing the parent's.
Every write is an explicit `BEGIN IMMEDIATE` transaction, so a writer never has to upgrade a
read lock (the classic SQLite deadlock). Driver errors surface as `StoreError`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kernel.errors import StoreError
from search.sqlite.schema import migrate

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 30_000
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # the -wal file is truncated back to this after checkpoints


class SqliteDatabase:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._pid = os.getpid()
        self._closed = False
        if self.path != MEMORY:
            _create_private_file(Path(self.path))
        self._conn = self._connect()

    @property
    def is_memory(self) -> bool:
        return self.path == MEMORY

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA secure_delete = ON")  # erased rows are zeroed, not just freed
            # 16 KiB pages fit several 512-d float32 embeddings per page (4 KiB pages hold one,
            # wasting half the file); it only takes effect on a new, empty database.
            conn.execute("PRAGMA page_size = 16384")
            if not self.is_memory:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
                conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite database {self.path}: {exc}") from None
        return conn

    def _reopen_if_forked(self) -> None:
        """In a forked child, drop the parent's connection and lock (another parent thread may
        have held the lock at fork time) and open fresh ones; the parent's are never touched."""
        if self._pid == os.getpid():
            return
        if self.is_memory:
            raise StoreError("an in-memory SQLite store cannot be shared with a child process")
        self._pid = os.getpid()
        self._lock = threading.RLock()
        if not self._closed:
            self._conn = self._connect()

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"SQLite database {self.path} is closed")
        return self._conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        self._reopen_if_forked()
        with self._lock:
            try:
                return self._connection().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite read failed on {self.path}: {exc}") from None

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: commits when the block ends, rolls back if it raises."""
        self._reopen_if_forked()
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite write failed on {self.path}: {exc}") from None
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"SQLite write failed on {self.path}: {exc}") from None
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it, so no erased page survives there.
        Best effort: with another process reading, SQLite skips what it cannot do yet."""
        if self.is_memory:
            return
        self.query("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if self._pid != os.getpid():
            self._closed = True  # the parent's connection is the parent's to close
            return
        with self._lock:
            if not self._closed:
                self._conn.close()
            self._closed = True


def _create_private_file(path: Path) -> None:
    """Create the database file owner-only; SQLite gives its -wal/-shm files the same mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"cannot create SQLite database {path}: {exc.strerror}") from None
    os.close(fd)
