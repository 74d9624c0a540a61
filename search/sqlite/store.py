"""The embedded store: everything jikimi records, in one SQLite file (or in memory for tests).

It needs no server, so a single laptop can run the whole pipeline; larger deployments swap in
another `kernel.ports.Store` adapter and pass the same contract tests (tests/contracts/). The
parts live in their own modules (media, persons, cases, hits, accounts, takedown); this class
joins them over one shared connection and adds what spans them: counts for `jikimi status`,
closing. It is also the `FaceFeed` a derived face index follows (search/sqlite/face_feed.py).
"""

from __future__ import annotations

from pathlib import Path

from search.crypto import TemplateCipher
from search.sqlite.accounts import SqliteAccountStore
from search.sqlite.at_rest import SqliteAtRest
from search.sqlite.cases import SqliteCaseStore
from search.sqlite.crawl_marks import SqliteCrawlMarkStore
from search.sqlite.db import SqliteDatabase
from search.sqlite.face_feed import SqliteFaceFeed
from search.sqlite.hits import SqliteHitStore
from search.sqlite.media import SqliteMediaStore
from search.sqlite.persons import SqlitePersonStore
from search.sqlite.preferences import SqlitePreferenceStore
from search.sqlite.takedown import SqliteTakedownStore

_STATS_SQL = {
    "media": "SELECT COUNT(*) FROM media",
    "media_error": "SELECT COUNT(*) FROM media WHERE status = 'error'",
    "sightings": "SELECT COUNT(*) FROM sightings",
    "faces": "SELECT COUNT(*) FROM faces",
    "persons": "SELECT COUNT(*) FROM persons",
    "templates": "SELECT COUNT(*) FROM templates",
    "hits": "SELECT COUNT(*) FROM hits",
    "alerts": "SELECT COUNT(*) FROM alerts",
    "alerts_pending": "SELECT COUNT(*) FROM alerts WHERE status = 'pending'",
}


class SqliteStore(SqliteAtRest, SqliteMediaStore, SqlitePersonStore, SqliteCaseStore,
                  SqliteHitStore, SqliteAccountStore, SqliteTakedownStore, SqlitePreferenceStore,
                  SqliteCrawlMarkStore, SqliteFaceFeed):
    """`SqliteStore(path, cipher)`; `path` may be ":memory:" (private to this process)."""

    def __init__(self, path: Path | str, cipher: TemplateCipher) -> None:
        self._db = SqliteDatabase(path)
        self._cipher = cipher

    @property
    def path(self) -> str:
        return self._db.path

    def stats(self) -> dict[str, int]:
        sql = "SELECT " + ", ".join(f"({query}) AS {name}" for name, query in _STATS_SQL.items())
        row = self._db.query_one(sql)
        assert row is not None  # a SELECT without FROM always yields one row
        return {name: int(row[name]) for name in _STATS_SQL}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({self._db.path!r})"
