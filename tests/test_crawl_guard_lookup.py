"""Issue 13, finding 3 (DNS half): the address guard's name lookups never hold the reactor.

One page links media on 15 slow names (each lookup takes up to 2 s) and on one name whose lookup
never answers in time, and starts a chain of pages on a fast host. The crawl runs in its own
process (a Twisted reactor runs once per process) with an injected fixture resolver. The fast
host's pages must all be served before any slow name resolves: the slow lookups are written to
wait for the last page, so a guard that resolved on the reactor could never get there (it would
wait out every lookup first). The stuck name is refused after `crawl.dns_timeout`, with that
reason recorded in the crawl report. Assertions are on order and messages, never on wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from crawlers.safety import DNS_TIMEOUT_SETTING
from crawlers.settings import scrapy_settings
from crawlers.sites import SiteDefinition
from kernel.settings import CrawlSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
SLOW_NAMES = 15

_CRAWL_WITH_SLOW_NAMES = """
import ipaddress, json, sys, threading, time
from crawlers import netguard

events, lock, last_page = [], threading.Lock(), threading.Event()
SLOW, CHAIN = int(sys.argv[2]), 6

def note(event):
    with lock:
        events.append(event)

def fixture_resolver(host):
    if host == "stuck.test":
        time.sleep(8)  # longer than crawl.dns_timeout (5 s)
        return [ipaddress.ip_address("93.184.215.14")]
    if host.startswith("slow-"):
        last_page.wait(2.0)  # up to 2 s, and never before the fast host's last page
        note("resolved " + host)
        return [ipaddress.ip_address("10.0.0.9")]  # refused: not public
    return system_resolver(host)  # IP literals (the fast host)

system_resolver, _public = netguard.resolve, netguard.is_public_address
netguard.is_public_address = lambda ip: str(ip) == "127.0.0.1" or _public(ip)  # the fast host
netguard.resolve = fixture_resolver

from crawlers.process import crawl_here
from crawlers.sites import SiteDefinition
from jikimi.flow import crawl_job
from tests.crawl_site import FixtureSite, Route

def serve(path):
    note("served " + path)
    if path == "/index.html":
        media = "".join(f'<img src="http://slow-{n}.test/a.jpg">' for n in range(SLOW))
        body = media + '<img src="http://stuck.test/b.jpg"><a href="/p1.html">next</a>'
    elif path.startswith("/p"):
        n = int(path[2:-5])
        body = f'<a href="/p{n + 1}.html">next</a>' if n < CHAIN else "end"
        if n == CHAIN:
            last_page.set()
    else:
        return None
    return Route(("<html><body>" + body + "</body></html>").encode(), "text/html")

with FixtureSite(dynamic=serve) as site:
    definition = SiteDefinition(name="mixed", start_urls=[site.base + "/index.html"], delay=0,
                                robots="ignore", concurrency=8, max_depth=10)
    from tests.crawl_site import crawl_settings
    settings = crawl_settings(sys.argv[1], allow_private=False, dns_timeout=5.0)
    report = crawl_here(crawl_job(definition, settings))
print("RESULT " + json.dumps({"report": report.to_dict(), "events": events}))
"""


def test_slow_names_do_not_hold_back_another_hosts_pages(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _CRAWL_WITH_SLOW_NAMES, str(tmp_path), str(SLOW_NAMES)],
        capture_output=True, text=True, env=env, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    [line] = [row for row in done.stdout.splitlines() if row.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    events, report = result["events"], result["report"]

    pages = [i for i, e in enumerate(events) if e.startswith("served /p")]
    resolved = [i for i, e in enumerate(events) if e.startswith("resolved slow-")]
    assert len(pages) == 6 and len(resolved) == SLOW_NAMES
    assert max(pages) < min(resolved), events  # the fast host never waited for a slow name

    errors = "\n".join(report["errors"])
    assert report["refused"] == SLOW_NAMES + 1
    assert errors.count("non-public address 10.0.0.9") == SLOW_NAMES
    assert "refused http://stuck.test/b.jpg: looking up stuck.test took longer than 5 s " \
           "(crawl.dns_timeout)" in errors


def test_dns_timeout_applies_to_the_guard_and_to_scrapys_resolver() -> None:
    assert Settings().crawl.dns_timeout == 5.0
    site = SiteDefinition(name="any", start_urls=["https://example.org/"])
    applied = scrapy_settings(site, CrawlSettings(dns_timeout=1.5))
    assert applied.getfloat(DNS_TIMEOUT_SETTING) == 1.5 and applied.getfloat("DNS_TIMEOUT") == 1.5
