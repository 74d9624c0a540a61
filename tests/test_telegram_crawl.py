"""Crawls of a local Telegram channel preview through the real child-process crawler.

The first crawl walks all three pages; each media item's page is its post. Later crawls of the
same data directory stop at the newest post the last finished crawl saw (the server's request
log shows nothing old is fetched); a crawl whose walk breaks, or that is killed, leaves the mark.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi import registry
from jikimi.flow import crawl_job
from kernel.errors import JikimiError
from kernel.settings import Settings
from tests.crawl_site import FixtureSite, Route, crawl_settings, image_bytes
from tests.telegram_fixture import CHANNEL, Post, TelegramPreview, media_paths

SITE = "share-channels"
MARK = f"telegram:{CHANNEL}"
MAX_MEDIA = 8 * 1024 * 1024


@dataclass
class Channel:
    server: FixtureSite
    preview: TelegramPreview
    settings: Settings

    def crawl(self, **site: Any) -> CrawlReport:
        fields = {"channels": [CHANNEL]} | site
        definition = SiteDefinition(name=SITE, kind="telegram", base_url=self.server.base,
                                    delay=0, concurrency=4, **fields)
        return crawl(crawl_job(definition, self.settings), progress=lambda line: None)

    def marks(self) -> dict[str, str]:
        with closing(registry.open_store(self.settings)) as store:
            return store.crawl_marks(SITE, "telegram:")

    def pages(self) -> list[str]:
        return [p for p in self.server.paths() if p.startswith("/s/")]

    def media(self) -> set[str]:
        return {p for p in self.server.paths() if p.startswith("/file/")}


@pytest.fixture
def channel(tmp_path: Path) -> Iterator[Channel]:
    with FixtureSite() as server:
        preview = TelegramPreview(server.base, f"http://localhost:{server.port}")
        server.dynamic = preview.route
        yield Channel(server, preview, crawl_settings(str(tmp_path), max_media_bytes=MAX_MEDIA))


def test_a_crawl_walks_every_page_and_attributes_each_photo_and_video_to_its_post(
        channel: Channel) -> None:
    report = channel.crawl()
    assert report.errors == []
    assert channel.pages() == [f"/s/{CHANNEL}", f"/s/{CHANNEL}?before=16",
                               f"/s/{CHANNEL}?before=11"]
    assert report.pages == 3 and report.sources == {"telegram": 7}
    names = ("person_b_2.jpg", "person_b_1.jpg", "person_a_2.jpg", "impostor_1.jpg",
             "clip.mp4", "big-thumb.jpg", "impostor_2.jpg")
    assert channel.media() == media_paths(names)  # no avatar, no thumb of a playable video
    assert report.media_found == report.media_new == 7
    posts = {"person_b_2.jpg": 11, "person_b_1.jpg": 12, "person_a_2.jpg": 12,
             "impostor_1.jpg": 12, "clip.mp4": 15, "big-thumb.jpg": 17, "impostor_2.jpg": 19}
    with closing(registry.open_store(channel.settings)) as store:
        seen = {s.media_url.rsplit("/", 1)[1]: (s.page_url, s.site)
                for m in store.list_media() for s in store.sightings(m.media_id)}
        clip = [m for m in store.list_media() if m.kind == "video"]
    assert seen == {name: (channel.preview.post_url(post), SITE) for name, post in posts.items()}
    assert len(clip) == 1 and clip[0].size == len(channel.preview.media["clip.mp4"])
    assert channel.marks() == {MARK: "19"}


def test_max_pages_is_per_channel_and_bounds_the_walk(channel: Channel) -> None:
    report = channel.crawl(max_pages=2)
    assert channel.pages() == [f"/s/{CHANNEL}", f"/s/{CHANNEL}?before=16"]
    assert report.pages == 2 and report.errors == []  # no earlier mark: no gap to report
    assert channel.marks() == {MARK: "19"}


def test_a_channel_without_posts_is_reported_and_deny_excludes_a_post(channel: Channel) -> None:
    empty = Route(b"<html><body><div class='tgme_page'>View in Telegram</div></body></html>")
    channel.server.dynamic = lambda path: (
        empty if path.startswith("/s/quiet_channel") else channel.preview.route(path))
    report = channel.crawl(channels=[CHANNEL, "quiet_channel"], deny=[f"/{CHANNEL}/12$"])
    assert any("quiet_channel" in e and "shows no posts" in e for e in report.errors)
    assert report.sources == {"telegram": 7} and report.pages == 4
    assert not channel.media() & media_paths(["person_b_1.jpg", "person_a_2.jpg"])  # post 12
    assert "/file/clip.mp4" in channel.media()
    assert channel.marks() == {MARK: "19"}  # nothing for a channel that showed no post


def test_the_next_crawl_stops_at_the_last_post_seen_and_a_broken_walk_keeps_the_mark(
        channel: Channel) -> None:
    channel.crawl()
    channel.server.clear_log()
    channel.preview.media["new.jpg"] = image_bytes(7)
    channel.preview.posts += [Post(20, photos=("new.jpg",)), Post(21, "more words")]
    second = channel.crawl()
    assert channel.pages() == [f"/s/{CHANNEL}"]  # [19, 20, 21]: 19 was seen, so no older page
    assert channel.media() == {"/file/new.jpg"}  # nothing old, not even a conditional request
    assert (second.pages, second.media_found, second.media_new) == (1, 1, 1)
    assert channel.marks() == {MARK: "21"}

    channel.server.clear_log()
    channel.preview.media |= {f"n{n}.jpg": image_bytes(n) for n in (22, 23, 24, 25)}
    channel.preview.posts += [Post(n, photos=(f"n{n}.jpg",)) for n in (22, 23, 24, 25)]
    channel.preview.failing.add(23)  # the second page fails: post 22 is not read
    broken = channel.crawl()
    assert any("before=23" in e and "http 500" in e for e in broken.errors), broken.errors
    assert channel.media() == media_paths(["n23.jpg", "n24.jpg", "n25.jpg"])
    assert channel.marks() == {MARK: "21"}  # not 25: post 22 was never read

    channel.server.clear_log()
    channel.preview.failing.clear()
    recovered = channel.crawl()
    assert channel.pages() == [f"/s/{CHANNEL}", f"/s/{CHANNEL}?before=23"]
    assert channel.media() == {"/file/n22.jpg"}  # 23-25 answered by the freshness check
    assert recovered.media_skipped_unchanged == 3 and recovered.media_new == 1
    assert channel.marks() == {MARK: "25"}


def test_a_transient_media_failure_holds_the_mark_below_its_post_and_a_permanent_does_not(
        channel: Channel) -> None:
    channel.preview.failing_media.add("clip.mp4")  # post 15: http 500, worth another try
    del channel.preview.media["impostor_2.jpg"]  # post 19: http 404, not worth one …
    channel.preview.media["big-thumb.jpg"] = b""  # … post 17: "not media", neither
    first = channel.crawl()
    assert any("clip.mp4: http 500" in e for e in first.errors), first.errors
    assert any("impostor_2.jpg: http 404" in e for e in first.errors), first.errors
    assert channel.marks() == {MARK: "14"}  # the next crawl comes back for post 15

    channel.server.clear_log()
    channel.preview.failing_media.clear()
    second = channel.crawl()
    assert channel.pages() == [f"/s/{CHANNEL}", f"/s/{CHANNEL}?before=16"]
    assert channel.media() == {"/file/clip.mp4"}  # the rest: fresh fetch records, not fetched
    assert second.media_new == 1 and second.errors == []
    assert channel.marks() == {MARK: "19"}


def test_a_killed_crawl_leaves_the_old_mark(channel: Channel) -> None:
    channel.preview.posts = [p for p in channel.preview.posts if p.post_id <= 15]
    channel.crawl()
    assert channel.marks() == {MARK: "15"}
    channel.preview.posts += [Post(n, photos=(f"k{n}.jpg",)) for n in (16, 17, 18, 19, 20)]
    channel.preview.media |= {f"k{n}.jpg": image_bytes(40 + n) for n in (16, 17, 18, 19, 20)}
    channel.preview.slow[18] = 60.0  # the second page hangs: the crawl is killed meanwhile
    killed: list[int] = []

    def kill_the_child() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and f"/s/{CHANNEL}?before=18" not in channel.pages():
            time.sleep(0.05)
        time.sleep(0.5)  # the first page's media is being stored
        for child in multiprocessing.active_children():
            if child.name == f"jikimi-crawl-{SITE}" and child.pid is not None:
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    killer = threading.Thread(target=kill_the_child, daemon=True)
    killer.start()
    with pytest.raises(JikimiError, match="without a report"):
        channel.crawl()
    killer.join(timeout=5)
    assert killed, "the crawl never reached its second page"
    assert channel.marks() == {MARK: "15"}  # 20 was seen, but the walk to 16 never finished
