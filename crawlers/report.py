"""What one crawl did, returned to the CLI, the flow and the scheduler (and sent between processes).

Counts are per crawl: `media_found` distinct media URLs seen on crawled pages; `media_new` media
stored for the first time; `media_known` media fetched whose bytes were already stored (the same
file under another URL or an unchanged re-fetch); `media_skipped_unchanged` media URLs not
downloaded because a recent fetch or a 304 said nothing changed; `bytes` media bytes downloaded;
`refused` requests refused by the address guard; `robots_denied` requests robots.txt forbade.
`unchanged_entries` feed and sitemap entries not fetched because their date has not moved
since the last crawl (`crawlers.entry_marks`).
`cut` counts what the crawl's work caps left out, per cap (`srcset_candidates`,
`media_per_page`, `media_per_crawl`: `crawl.max_*` settings); each cap is logged once per crawl.
`sources` counts what was read per source kind (`html` pages, `telegram` posts, `feed` and
`sitemap` documents, `robots` files read for their `Sitemap:` lines, `rendered` pages, `hls` and
`dash` streams, `forum:<engine>` thread pages).
`errors` holds one line per failed item (capped, with a final line saying how many were left out).

During a crawl two threads add errors (the spider's, and the store thread that writes media), so
`add_error` takes a lock; each counter has a single writer.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_ERROR_LINES = 500
_ERRORS_LOCK = threading.Lock()


@dataclass
class CrawlReport:
    site: str
    pages: int = 0
    media_found: int = 0
    media_new: int = 0
    media_known: int = 0
    media_skipped_unchanged: int = 0
    bytes: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    robots_denied: int = 0
    errors_left_out: int = 0
    cut: dict[str, int] = field(default_factory=dict)  # cap name -> items it left out
    sources: dict[str, int] = field(default_factory=dict)  # source kind -> documents read
    unchanged_entries: int = 0

    def add_source(self, kind: str, count: int = 1) -> None:
        """Count `count` documents read of source kind `kind` (spider thread only)."""
        self.sources[kind] = self.sources.get(kind, 0) + count

    def add_cut(self, cap: str, count: int) -> bool:
        """Count `count` items left out by `cap`; True the first time that cap cuts anything."""
        if count <= 0:
            return False
        first = cap not in self.cut
        self.cut[cap] = self.cut.get(cap, 0) + count
        return first

    def add_error(self, line: str) -> None:
        with _ERRORS_LOCK:
            if line in self.errors:
                return
            if len(self.errors) < MAX_ERROR_LINES:
                self.errors.append(line)
            else:
                self.errors_left_out += 1

    def summary(self) -> str:
        return (
            f"{self.site}: {self.pages} pages, {self.media_found} media found "
            f"({self.media_new} new, {self.media_known} known, "
            f"{self.media_skipped_unchanged} unchanged), {self.bytes} bytes, "
            f"{self.refused} refused, {len(self.errors) + self.errors_left_out} errors"
            + "".join(f", {n} cut by max_{cap}" for cap, n in sorted(self.cut.items()))
            + (f", {self.unchanged_entries} unchanged entries" if self.unchanged_entries else "")
            + (" [" + ", ".join(f"{n} {kind}" for kind, n in sorted(self.sources.items())) + "]"
               if self.sources else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlReport:
        return cls(**data)
