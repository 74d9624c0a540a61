"""A killed parent takes its crawl child with it, and leaves a consistent store (finding 7).

The parent is a real `jikimi crawl` process crawling a slow local site; it is killed with
SIGKILL mid-crawl, so no code of it runs afterwards. The child (found through /proc) must be gone
within 2 s, the site must see no request after that, and the store must open with every stored
media complete: its sightings, its fetch record's target, its blob.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawl_site import FixtureSite, Route, image_bytes, page

PAGES = 40
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="finds the child process through /proc")


def _slow_site() -> dict[str, Route]:
    links = "".join(f'<a href="/p{n}.html">p{n}</a>' for n in range(PAGES))
    routes = {"/index.html": page(links)}
    for n in range(PAGES):
        routes[f"/p{n}.html"] = page(f'<img src="/i{n}a.jpg"><img src="/i{n}b.png">')
        routes[f"/i{n}a.jpg"] = Route(image_bytes(2 * n), "image/jpeg", delay=0.05)
        routes[f"/i{n}b.png"] = Route(image_bytes(2 * n + 1, "PNG"), "image/png", delay=0.05)
    return routes


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for whoever adopts it to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def test_killing_the_parent_stops_the_crawl_child_and_the_store_stays_consistent(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with FixtureSite(_slow_site()) as site:
        parent = subprocess.Popen(
            [sys.executable, "-m", "jikimi.cli", "--data-dir", str(data), "crawl",
             "--url", f"{site.base}/index.html", "--allow-private"],
            cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            images = lambda: sum(p.startswith("/i") for p in site.paths())  # noqa: E731
            assert _wait_for(lambda: images() >= 3, 60), "the crawl never fetched media"
            children = [pid for pid in _children(parent.pid) if b"resource_tracker" not in
                        Path(f"/proc/{pid}/cmdline").read_bytes()]
            assert len(children) == 1, children  # the crawl child
            child = children[0]
            parent.send_signal(signal.SIGKILL)
            parent.wait()
            assert _wait_for(lambda: not _running(child), 2.0), "the crawl child outlived 2 s"
            requests_after = len(site.paths())
            time.sleep(1.0)
            assert len(site.paths()) == requests_after  # nothing fetches any more
        finally:
            parent.kill()
            parent.wait()

    database = sqlite3.connect(data / "jikimi.sqlite3")
    try:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        media = database.execute("SELECT media_id, blob_key FROM media").fetchall()
        assert media, "the crawl was killed before it stored anything"
        unsighted = database.execute(
            "SELECT count(*) FROM media WHERE media_id NOT IN "
            "(SELECT media_id FROM sightings)").fetchone()[0]
        dangling = database.execute(
            "SELECT count(*) FROM fetches WHERE media_id IS NOT NULL AND media_id NOT IN "
            "(SELECT media_id FROM media)").fetchone()[0]
    finally:
        database.close()
    assert (unsighted, dangling) == (0, 0)
    blobs = data / "blobs"
    assert all((blobs / key).is_file() for _, key in media if key)
