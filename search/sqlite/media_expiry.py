"""Retention of stranger media in the SQLite store: find it, and delete it with what hangs off it.

Almost every face jikimi stores is a stranger's. Once media has gone unseen for the retention
period and matched nobody, nothing justifies keeping its record, sightings or face embeddings.
`delete_media` re-checks for hits and alerts inside the same write transaction as the deletes,
so a hit recorded after `expired_media` listed the media (e.g. retroactive matching of someone
enrolled today) always wins: that media is refused, never deleted. Fetch records pointing at the
media go too, so a crawl that meets it again downloads and analyses it afresh. Deleted rows are
zeroed (`secure_delete`) and the WAL is checkpointed, as for a person's erasure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from search.sqlite.codec import dt_to_db
from search.sqlite.db import SqliteDatabase

_EXPIRED_SQL = """
SELECT media_id FROM media AS m
WHERE m.last_seen < ? AND m.status != 'new'
  AND NOT EXISTS (SELECT 1 FROM hits AS h WHERE h.media_id = m.media_id)
  AND NOT EXISTS (SELECT 1 FROM alerts AS a WHERE a.media_id = m.media_id)
  AND NOT EXISTS (SELECT 1 FROM sightings AS s
                  WHERE s.media_id = m.media_id AND s.last_seen >= ?)
ORDER BY m.last_seen, m.media_id LIMIT ?
"""
# what hangs off a media item, deleted before the item itself
_DEPENDENTS = ("fetches", "sightings", "faces")
_CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-variable limit


class SqliteMediaExpiry:
    _db: SqliteDatabase

    def expired_media(self, before: datetime, limit: int) -> list[str]:
        cutoff = dt_to_db(before)
        rows = self._db.query(_EXPIRED_SQL, (cutoff, cutoff, max(0, limit)))
        return [row["media_id"] for row in rows]

    def delete_media(self, media_ids: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(media_ids))
        counts = dict.fromkeys(("media", *_DEPENDENTS, "refused"), 0)
        if not wanted:
            return counts
        with self._db.transaction() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start:start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                protected = {row[0] for row in conn.execute(
                    f"SELECT media_id FROM hits WHERE media_id IN ({marks}) UNION "
                    f"SELECT media_id FROM alerts WHERE media_id IN ({marks})", chunk + chunk)}
                counts["refused"] += len(protected)
                doomed = [media_id for media_id in chunk if media_id not in protected]
                if not doomed:
                    continue
                marks = ", ".join("?" * len(doomed))
                for table in (*_DEPENDENTS, "media"):
                    counts[table] += conn.execute(
                        f"DELETE FROM {table} WHERE media_id IN ({marks})", doomed).rowcount
        self._db.checkpoint()
        return counts
