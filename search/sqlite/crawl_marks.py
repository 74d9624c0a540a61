"""The CrawlMarkStore half of the SQLite store: per-site notes for incremental crawling.

One row per (site, key); a crawl reads its site's marks when it starts and writes the new ones
as it goes, so the next crawl of a Telegram channel stops at the newest post it already saw and
a feed or sitemap entry whose `updated`/`lastmod` did not move is not fetched again.
"""

from __future__ import annotations

from collections.abc import Mapping

from kernel.records import utcnow
from search.sqlite.codec import dt_to_db
from search.sqlite.db import SqliteDatabase


class SqliteCrawlMarkStore:
    _db: SqliteDatabase

    def crawl_marks(self, site: str, prefix: str = "") -> dict[str, str]:
        rows = self._db.query(
            "SELECT key, value FROM crawl_marks WHERE site = ? AND substr(key, 1, ?) = ?",
            (site, len(prefix), prefix))
        return {row["key"]: row["value"] for row in rows}

    def set_crawl_marks(self, site: str, marks: Mapping[str, str]) -> None:
        now = dt_to_db(utcnow())
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT INTO crawl_marks (site, key, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (site, key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                [(site, key, value, now) for key, value in marks.items()])

    def delete_crawl_marks(self, site: str) -> int:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM crawl_marks WHERE site = ?", (site,)).rowcount
