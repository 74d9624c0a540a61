"""One channel's walk back through its preview pages, and the mark it leaves for the next crawl.

A preview page shows the newest posts; `?before=<id>` shows older ones. A walk reads pages
backwards until one of these ends it normally:

- it reaches the mark: the newest post the last finished crawl of this site saw (a page holding
  a post at or below it: everything older was read then);
- the channel's first post (no "more" link, or a page without posts);
- `max_pages` pages for this channel (per channel, so one busy channel cannot starve the rest).

A page that fails (HTTP error, timeout, robots.txt) breaks the walk: the posts beyond it were
not read, so that channel's mark stays where it was and the next crawl walks them again.

The new mark is the newest post seen, held back below any post whose media could not all be
requested this time (a transient download failure, or the crawl's media cap): the next crawl
walks back to it, and media fetched meanwhile is answered by the freshness check, not
downloaded again. It is written only when the crawl finished normally (`TelegramSpider.closed`);
a killed or crashed crawl leaves the old mark, so nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from crawlers.telegram_preview import TelegramPost

MARK_PREFIX = "telegram:"


def mark_key(channel: str) -> str:
    """The crawl-mark key of a channel (Telegram names are case-insensitive)."""
    return f"{MARK_PREFIX}{channel.lower()}"


def read_mark(marks: Mapping[str, str], channel: str) -> int | None:
    value = marks.get(mark_key(channel), "").strip()
    return int(value) if value.isdigit() else None


@dataclass
class ChannelWalk:
    channel: str
    mark: int | None = None  # the newest post the last finished crawl saw
    pages: int = 0  # preview pages requested
    posts: int = 0  # posts read
    newest: int | None = None
    oldest: int | None = None
    oldest_at: datetime | None = None  # the oldest post's time, for the progress line
    ended: str | None = None  # why the walk ended normally
    broken: str | None = None  # why it did not (a failed page)
    held: set[int] = field(default_factory=set)  # posts whose media was not all requested
    last_before: int | None = None

    @property
    def key(self) -> str:
        return self.channel.lower()

    def read(self, posts: list[TelegramPost]) -> list[TelegramPost]:
        """Note a page's posts (its own channel's, by id); return those newer than the mark."""
        self.posts += len(posts)
        if posts:
            self.newest = max(self.newest or 0, posts[-1].post_id)
            if self.oldest is None or posts[0].post_id < self.oldest:
                self.oldest, self.oldest_at = posts[0].post_id, posts[0].posted_at
        return [p for p in posts if self.mark is None or p.post_id > self.mark]

    def next_before(self, posts: list[TelegramPost], before: int | None,
                    max_pages: int) -> int | None:
        """The `before=` of the next page to read, or None with `ended` set."""
        if not posts:
            self.ended = "no posts on the page"
        elif self.mark is not None and posts[0].post_id <= self.mark:
            self.ended = f"reached post {self.mark}, seen by the last crawl"
        elif before is None or before <= 0:
            self.ended = "reached the channel's first post"
        elif self.last_before is not None and before >= self.last_before:
            self.ended = f"the page's more link (before={before}) does not go back"
        elif self.pages >= max_pages:
            self.ended = f"max_pages ({max_pages}) reached"
        else:
            self.last_before = before
            return before
        return None

    def gap(self) -> str | None:
        """A line for the report when max_pages ended the walk above the mark: posts between
        were not read, and will not be (the new mark is above them)."""
        if self.ended is None or not self.ended.startswith("max_pages") or self.mark is None:
            return None
        return (f"telegram {self.channel}: {self.ended} at post {self.oldest} before reaching "
                f"post {self.mark}, seen by the last crawl; the posts between were not read "
                "(raise max_pages or crawl more often)")

    def next_mark(self) -> int | None:
        """The mark to write after a finished crawl, or None to leave the old one."""
        if self.broken is not None or self.ended is None or self.newest is None:
            return None
        mark = self.newest
        if self.held:
            mark = min(mark, min(self.held) - 1)
        if self.mark is not None and mark <= self.mark:
            return None
        return mark

    def summary(self) -> str:
        when = f" ({self.oldest_at.isoformat()})" if self.oldest_at else ""
        back = f", back to post {self.oldest}{when}" if self.oldest is not None else ""
        end = self.broken or self.ended or "not finished"
        return f"telegram {self.channel}: {self.pages} pages, {self.posts} posts{back}; {end}"
