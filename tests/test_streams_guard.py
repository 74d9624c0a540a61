"""The address guard holds for every request a stream makes: variant playlists, segments, keys,
DASH base URLs, redirects, and playlists named only in a page's player script.

As in `test_crawl_safety.py`, the crawl runs in a child process where the fixture server's
127.0.0.1 counts as a public address (standing in for an ordinary web host) and
`crawl.allow_private` stays off, so every other private or metadata address must be refused. A
tripwire on the socket layer records (and stops) any connection to an address other than
127.0.0.1: the test requires that there was none, so nothing but the guard's verdict is tested
and no packet ever leaves for 10.x or 169.254.169.254.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from crawlers.report import CrawlReport
from tests import stream_fixtures as streams
from tests.crawl_site import FixtureSite, Route, page, redirect

ROOT = Path(__file__).resolve().parents[1]
METADATA = "http://169.254.169.254/latest/meta-data"

_CRAWL_WITH_LOOPBACK_AS_PUBLIC = """
import errno, json, socket, sys
attempts = []
def tripwire(original):
    def connect(self, address, *args):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            attempts.append(str(address[0]))
            raise OSError(errno.ECONNREFUSED, "test tripwire: not a loopback address")
        return original(self, address, *args)
    return connect
socket.socket.connect = tripwire(socket.socket.connect)
socket.socket.connect_ex = tripwire(socket.socket.connect_ex)
from crawlers import netguard
_original = netguard.is_public_address
netguard.is_public_address = lambda ip: str(ip) == "127.0.0.1" or _original(ip)
from crawlers.process import crawl_here
from crawlers.sites import SiteDefinition
from jikimi.flow import crawl_job
from tests.crawl_site import crawl_settings
site = SiteDefinition(name="guarded", start_urls=[sys.argv[1]], delay=0, robots="ignore")
report = crawl_here(crawl_job(site, crawl_settings(sys.argv[2], allow_private=False)))
print("REPORT " + json.dumps(report.to_dict()))
print("ATTEMPTS " + json.dumps(attempts))
"""


def playlist(lines: list[str]) -> Route:
    return Route(("\n".join(["#EXTM3U", "#EXT-X-TARGETDURATION:1", *lines, "#EXT-X-ENDLIST"])
                  + "\n").encode(), streams.TYPES[".m3u8"])


def routes() -> dict[str, Route]:
    local = streams.hls("/hls")
    pages = {
        "/segment.html": '<video src="/p/segment.m3u8"></video>',
        "/key.html": '<video src="/p/key.m3u8"></video>',
        "/script.html": f'<script>player.setup({{"file": "{METADATA}/x.m3u8"}})</script>',
        "/hls-key.html": '<script>var config = {hls: "/p/variant.m3u8"};</script>',
        "/dash.html": '<video src="/p/base.mpd"></video>',
        "/redirect.html": '<video src="/p/redirect.m3u8"></video>',
    }
    mpd = streams.dash("/d")["/d/manifest.mpd"].body.decode().replace(
        "<Period", "<BaseURL>http://10.0.0.3/</BaseURL><Period", 1)
    return {
        "/index.html": page("".join(f'<a href="{p}">{p}</a>' for p in pages)),
        **{path: page(body) for path, body in pages.items()}, **local,
        "/p/segment.m3u8": playlist(["#EXTINF:1,", "/hls/seg000.ts",
                                     "#EXTINF:1,", "http://10.0.0.1/seg.ts"]),
        "/p/key.m3u8": playlist([f'#EXT-X-KEY:METHOD=AES-128,URI="{METADATA}/key"',
                                 "#EXTINF:1,", "/hls/seg000.ts"]),
        "/p/variant.m3u8": streams.master("/p", [("http://10.0.0.2/v.m3u8", (320, 240), 1)]),
        "/p/base.mpd": Route(mpd.encode(), streams.TYPES[".mpd"]),
        "/p/redirect.m3u8": playlist(["#EXTINF:1,", "/go/seg.ts"]),
        "/go/seg.ts": redirect(f"{METADATA}/seg.ts"),
    }


def test_every_stream_request_to_a_private_address_is_refused(tmp_path: Path) -> None:
    with FixtureSite(routes()) as server:
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", _CRAWL_WITH_LOOPBACK_AS_PUBLIC, f"{server.base}/index.html",
             str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
        )
        assert done.returncode == 0, done.stderr
        paths = server.paths()
        base = server.base
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines()
                 if line.startswith(("REPORT ", "ATTEMPTS ")))
    assert json.loads(lines["ATTEMPTS"]) == []  # the guard refused before any connection
    report = CrawlReport.from_dict(json.loads(lines["REPORT"]))
    errors = "\n".join(report.errors)
    assert report.refused == 6, errors
    assert report.sources == {"html": 7, "hls": 4, "dash": 1}
    # a segment: the stream is cut there, the segment before it is kept
    assert (f"{base}/p/segment.m3u8: hls stream cut short, segment 2/2: segment "
            "http://10.0.0.1/seg.ts: refused: refused http://10.0.0.1/seg.ts: 10.0.0.1 resolves "
            "to non-public address 10.0.0.1") in errors
    assert report.media_new == 1  # that first segment, as a one-second video
    assert f"{base}/p/key.m3u8: hls stream segment 1/1: key {METADATA}/key: refused" in errors
    assert f"refused {METADATA}/x.m3u8: 169.254.169.254 resolves to non-public" in errors
    assert (f"{base}/p/variant.m3u8: hls variant playlist http://10.0.0.2/v.m3u8: "
            "refused") in errors
    assert (f"{base}/p/base.mpd: dash stream segment 1/7: initialisation segment "
            "http://10.0.0.3/init-stream0.m4s: refused") in errors
    assert f"{base}/p/redirect.m3u8: hls stream segment 1/1: segment {base}/go/seg.ts: " \
           f"refused: refused {METADATA}/seg.ts" in errors
    assert "/go/seg.ts" in paths and "/hls/seg000.ts" in paths
