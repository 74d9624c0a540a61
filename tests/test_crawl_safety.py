"""The address guard: loopback/private/metadata addresses refused for every request, redirects too.

These tests leave `crawl.allow_private` off (the production default), unlike the other crawl tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from crawlers import netguard
from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.safety import AddressGuardMiddleware, AddressRefused, refusals
from crawlers.sites import SiteDefinition
from jikimi import registry
from jikimi.flow import crawl_job
from tests.crawl_site import FixtureSite, Route, crawl_settings, image_bytes, page, redirect

ROOT = Path(__file__).resolve().parents[1]


async def instant_lookup(host: str) -> list[netguard.IPAddress]:
    """The guard's lookup without a running reactor: the system resolver, answered at once."""
    return netguard.resolve(host)


def guard(*, allow_private: bool) -> tuple[AddressGuardMiddleware, StatsCollector]:
    crawler = get_crawler(Spider, {"JIKIMI_ALLOW_PRIVATE": allow_private})
    assert crawler.stats is not None
    return AddressGuardMiddleware(crawler.stats, allow_private=allow_private,
                                  lookup=instant_lookup), crawler.stats


def drive(check: Coroutine[Any, Any, None]) -> None:
    """Run one guard check (its lookup answers at once) to its end, raising what it raises."""
    try:
        check.send(None)
    except StopIteration:
        return
    raise AssertionError("the check waited on something other than its lookup")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://localhost:8080/admin", "http://169.254.169.254/latest/meta-data/",
     "http://10.0.0.5/", "http://192.168.1.1/", "http://[::1]/", "http://[fd00:ec2::254]/",
     "http://0.0.0.0/", "file:///etc/passwd", "ftp://example.com/x.jpg"],
)
def test_guard_refuses_non_public_addresses_and_schemes(url: str) -> None:
    middleware, stats = guard(allow_private=False)
    with pytest.raises(AddressRefused, match="refused"):
        drive(middleware.process_request(Request(url)))
    count, messages = refusals(stats)
    assert count == 1 and messages and "refused" in messages[0]


def test_guard_allows_loopback_only_when_settings_say_so() -> None:
    middleware, stats = guard(allow_private=True)
    drive(middleware.process_request(Request("http://127.0.0.1:8000/")))  # no exception: allowed
    with pytest.raises(AddressRefused, match="scheme"):
        drive(middleware.process_request(Request("file:///etc/passwd")))  # never allowed
    count, messages = refusals(stats)
    assert count == 1 and len(messages) == 1 and "scheme 'file'" in messages[0]


def test_a_redirect_target_goes_back_through_the_guard() -> None:
    crawler = get_crawler(Spider, {"JIKIMI_ALLOW_PRIVATE": False})
    redirects = RedirectMiddleware.from_crawler(crawler)
    assert crawler.stats is not None
    middleware = AddressGuardMiddleware(crawler.stats, allow_private=False, lookup=instant_lookup)
    source = Request("http://93.184.215.14/photo.jpg")
    response = Response(source.url, status=302, request=source,
                        headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    follow_up = redirects.process_response(source, response)
    assert isinstance(follow_up, Request)
    with pytest.raises(AddressRefused, match="169.254.169.254"):
        drive(middleware.process_request(follow_up))


def test_loopback_site_is_refused_without_allow_private(tmp_path: Path) -> None:
    with FixtureSite({"/index.html": page('<img src="/a.jpg">')}) as server:
        site = SiteDefinition(name="local", start_urls=[f"{server.base}/index.html"], delay=0)
        report = crawl(crawl_job(site, crawl_settings(str(tmp_path), allow_private=False)),
                       progress=lambda _: None)
        assert server.log == []  # not even robots.txt
    assert report.refused == 1  # the start page; robots.txt is not even asked for (guard first)
    assert report.pages == 0 and report.media_found == 0
    assert any("non-public address 127.0.0.1" in line and "allow_private" in line
               for line in report.errors)


# In a separate process: make the fixture server's 127.0.0.1 count as a public address (standing
# in for an ordinary web host), keep every other address refused, and crawl in that process.
_CRAWL_WITH_LOOPBACK_AS_PUBLIC = """
import json, sys
from crawlers import netguard
_original = netguard.is_public_address
netguard.is_public_address = lambda ip: str(ip) == "127.0.0.1" or _original(ip)
from crawlers.process import crawl_here
from jikimi.flow import crawl_job
from crawlers.sites import SiteDefinition
from tests.crawl_site import crawl_settings
# 10.255.255.1 is even listed as the site's own domain: only the address guard stops it
site = SiteDefinition(name="redir", start_urls=[sys.argv[1]], delay=0, robots="ignore",
                      allowed_domains=["127.0.0.1", "10.255.255.1"])
report = crawl_here(crawl_job(site, crawl_settings(sys.argv[2], allow_private=False)))
print("REPORT " + json.dumps(report.to_dict()))
"""


def test_redirect_from_an_allowed_host_to_a_refused_address_is_refused(tmp_path: Path) -> None:
    routes = {
        "/index.html": page('<img src="/go.jpg"><img src="/ok.jpg"><a href="/go.html">go</a>'),
        "/go.jpg": redirect("http://169.254.169.254/latest/meta-data/iam.jpg"),
        "/go.html": redirect("http://10.255.255.1/admin", 301),
        "/ok.jpg": Route(image_bytes(5), "image/jpeg"),
    }
    with FixtureSite(routes) as server:
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", _CRAWL_WITH_LOOPBACK_AS_PUBLIC, f"{server.base}/index.html",
             str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        paths = server.paths()
    line = next(x for x in done.stdout.splitlines() if x.startswith("REPORT "))
    report = CrawlReport.from_dict(json.loads(line.removeprefix("REPORT ")))
    assert {"/index.html", "/go.jpg", "/go.html", "/ok.jpg"} == set(paths)
    assert report.refused == 2
    assert any("169.254.169.254" in e for e in report.errors)
    assert any("10.255.255.1" in e for e in report.errors)
    assert report.media_new == 1  # the crawl went on
    store = registry.open_store(crawl_settings(str(tmp_path)))
    try:
        record = store.get_fetch(f"{server.base}/go.jpg")
        assert record is not None and record.media_id is None
        assert (record.error or "").startswith("refused")
    finally:
        store.close()
