"""Issue 14: the address guard holds for what a rendered page's scripts ask the browser to fetch.

A page of a `render: browser` site fetches internal addresses every way a script can: fetch() to
names that resolve inward, to an IP literal, to the cloud metadata address and a private 10.x
one, a same-site URL that redirects inward, an iframe and a websocket. The crawl runs in its own
process with a fixture resolver (every `*.test` name resolves to 127.0.0.2, where a tripwire
server listens, and only 127.0.0.1, the fixture site, counts as public) and the guard on: the
tripwire must log nothing, every refusal must be in the report, and the gallery still renders.
The same page crawled with `crawl.allow_private` reaches the tripwire, so the browser really
makes those requests; and the site's own headers go with its page navigation only.
The SOCKS5 guard itself is also tested without a browser, through a raw SOCKS5 client.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawlers import netguard
from crawlers.render import BROWSER_SERVICES
from crawlers.render_guard import NO_COMMAND, NOT_ALLOWED, OK, SocksGuard
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi.flow import crawl_job
from kernel.errors import FetchRefused
from tests.crawl_site import FixtureSite, crawl_settings, image_bytes, redirect
from tests.render_fixtures import Tripwire, gallery_routes, need_chromium, prying_script

ROOT = Path(__file__).resolve().parents[1]
PICTURES = {"/m/one.jpg": image_bytes(51), "/m/two.jpg": image_bytes(52)}

_GUARDED_CRAWL = """
import ipaddress, json, sys
from crawlers import netguard

def fixture_resolver(host):
    if host.endswith(".test"):
        return [ipaddress.ip_address("127.0.0.2")]  # the tripwire: refused, not public
    return system_resolver(host)

system_resolver, _public = netguard.resolve, netguard.is_public_address
netguard.is_public_address = lambda ip: str(ip) == "127.0.0.1" or _public(ip)  # the site only
netguard.resolve = fixture_resolver

from crawlers.process import crawl_here
from crawlers.sites import SiteDefinition
from jikimi.flow import crawl_job
from tests.crawl_site import FixtureSite, crawl_settings, image_bytes, redirect
from tests.render_fixtures import Tripwire, gallery_routes, prying_script

pictures = {"/m/one.jpg": image_bytes(51), "/m/two.jpg": image_bytes(52)}
with Tripwire() as wire:
    port = wire.port
    script = prying_script(
        [f"http://fetch.test:{port}/by-name", f"http://127.0.0.2:{port}/by-literal",
         "http://169.254.169.254/latest/meta-data/", "http://10.0.0.9/private"],
        frame=f"http://frame.test:{port}/frame", socket=f"ws://socket.test:{port}/ws")
    routes = gallery_routes(pictures, extra_script=script)
    routes["/bounce"] = redirect(f"http://rebound.test:{port}/after-redirect")
    with FixtureSite(routes) as site:
        definition = SiteDefinition(name="prying", start_urls=[site.base + "/gallery.html"],
                                    delay=0, robots="ignore", render="browser")
        settings = crawl_settings(sys.argv[1], allow_private=False)
        report = crawl_here(crawl_job(definition, settings))
    print("RESULT " + json.dumps({"report": report.to_dict(), "tripwire": wire.seen(),
                                  "port": port}))
"""


def test_what_a_rendered_page_asks_for_passes_the_address_guard(tmp_path: Path) -> None:
    need_chromium()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _GUARDED_CRAWL, str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    [line] = [row for row in done.stdout.splitlines() if row.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    report, port = result["report"], result["port"]

    assert result["tripwire"] == []  # not one request arrived at the internal address
    setting = "(set crawl.allow_private / --allow-private to allow)"
    expected = []
    for target, address in [(f"fetch.test:{port}", "127.0.0.2"),  # fetch() by name
                            (f"127.0.0.2:{port}", "127.0.0.2"),  # fetch() by IP literal
                            ("169.254.169.254:80", "169.254.169.254"),  # cloud metadata
                            ("10.0.0.9:80", "10.0.0.9"),  # a private network
                            (f"rebound.test:{port}", "127.0.0.2"),  # a redirect's target
                            (f"frame.test:{port}", "127.0.0.2"),  # an iframe
                            (f"socket.test:{port}", "127.0.0.2")]:  # a websocket
        host = target.rsplit(":", 1)[0]
        expected.append(f"refused browser connection to {target}: {host} resolves to "
                        f"non-public address {address} {setting}")
    assert sorted(report["errors"]) == sorted(expected)  # and nothing of the browser's own
    assert report["refused"] >= 7
    assert report["sources"] == {"rendered": 1} and report["media_new"] == 2  # page still read


def test_with_allow_private_the_same_page_reaches_the_tripwire_without_site_headers(
        tmp_path: Path) -> None:
    """The control: the requests above are real, and only the page's own navigation carries
    the site's headers."""
    need_chromium()
    with Tripwire() as wire:
        inside = f"127.0.0.2:{wire.port}"
        script = prying_script([f"http://{inside}/by-literal"], frame=f"http://{inside}/frame",
                               socket=f"ws://{inside}/ws")
        routes = gallery_routes(PICTURES, extra_script=script)
        routes["/bounce"] = redirect(f"http://{inside}/after-redirect")
        with FixtureSite(routes) as site:
            definition = SiteDefinition(
                name="control", start_urls=[site.base + "/gallery.html"], delay=0,
                robots="ignore", render="browser", headers={"X-Site-Token": "site-secret"})
            report = crawl(crawl_job(definition, crawl_settings(str(tmp_path))),
                           progress=lambda line: None)
            site_log = {entry.path: entry.headers for entry in site.log}
        seen = wire.seen()
        assert {"/by-literal", "/frame", "/ws", "/after-redirect"} <= set(seen), seen
        assert all("x-site-token" not in headers for _, headers in wire.requests)
    assert report.refused == 0 and report.media_new == 2
    assert site_log["/gallery.html"]["x-site-token"] == "site-secret"  # the page's navigation
    assert "x-site-token" not in site_log["/api/pictures.json"]  # not what its script fetches


# ------------------------------------------------------------ the SOCKS5 guard, no browser ---
async def socks_connect(url: str, host: str, port: int) -> tuple[int, asyncio.StreamReader,
                                                                asyncio.StreamWriter]:
    """Open a SOCKS5 CONNECT to host:port through the proxy at `url`; (reply code, streams)."""
    proxy_port = int(url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(b"\x05\x01\x00")
    assert await reader.readexactly(2) == b"\x05\x00"
    name = host.encode()
    writer.write(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + port.to_bytes(2, "big"))
    reply = await reader.readexactly(10)
    return reply[1], reader, writer


def run_guard(check: object, *, lookup: dict[str, str] | None = None,
              allow_private: bool = False) -> list[str]:
    """Run `check(guard)` against a started SocksGuard; the refusal messages it recorded."""
    refused: list[str] = []

    async def fixture_lookup(host: str) -> list[netguard.IPAddress]:
        if lookup is None or host not in lookup:
            raise FetchRefused(f"looking up {host} took longer than 5 s (crawl.dns_timeout)")
        return [ipaddress.ip_address(lookup[host])]

    async def main() -> None:
        guard = SocksGuard(allow_private=allow_private, lookup=fixture_lookup,
                           on_refused=refused.append, browser_services=BROWSER_SERVICES)
        await guard.start()
        try:
            await check(guard)  # type: ignore[operator]
        finally:
            await guard.close()

    asyncio.run(main())
    return refused


def test_the_guard_refuses_internal_targets_and_says_why() -> None:
    with Tripwire() as wire:
        async def check(guard: SocksGuard) -> None:
            for host in ("127.0.0.2", "inward.test", "slow.test", "update.googleapis.com"):
                code, _, writer = await socks_connect(guard.url, host, wire.port)
                assert code == NOT_ALLOWED
                writer.close()

        refused = run_guard(check, lookup={"inward.test": "127.0.0.2"})
        assert wire.seen() == []
    assert refused == [
        f"refused browser connection to 127.0.0.2:{wire.port}: 127.0.0.2 resolves to "
        "non-public address 127.0.0.2 (set crawl.allow_private / --allow-private to allow)",
        f"refused browser connection to inward.test:{wire.port}: inward.test resolves to "
        "non-public address 127.0.0.2 (set crawl.allow_private / --allow-private to allow)",
        f"refused browser connection to slow.test:{wire.port}: looking up slow.test took "
        "longer than 5 s (crawl.dns_timeout)",
    ]  # the browser's own update check is refused too, but is no page's refused request


def test_the_guard_connects_to_the_address_it_checked_and_relays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    public = netguard.is_public_address
    monkeypatch.setattr(netguard, "is_public_address",
                        lambda ip: str(ip) == "127.0.0.2" or public(ip))
    with Tripwire() as wire:
        async def check(guard: SocksGuard) -> None:
            code, reader, writer = await socks_connect(guard.url, "outward.test", wire.port)
            assert code == OK
            writer.write(b"GET /through HTTP/1.0\r\nHost: outward.test\r\n\r\n")
            answer = await asyncio.wait_for(reader.read(), 10)
            assert answer.startswith(b"HTTP/1.0 200") and answer.endswith(b"internal")
            writer.close()

        refused = run_guard(check, lookup={"outward.test": "127.0.0.2"})
        assert wire.seen() == ["/through"]
    assert refused == []


def test_the_guard_speaks_connect_only() -> None:
    async def check(guard: SocksGuard) -> None:
        port = int(guard.url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x05\x01\x00")
        assert await reader.readexactly(2) == b"\x05\x00"
        writer.write(b"\x05\x03\x00\x01\x7f\x00\x00\x01\x00\x35")  # UDP ASSOCIATE
        assert (await reader.readexactly(10))[1] == NO_COMMAND
        writer.close()

    assert run_guard(check) == []
