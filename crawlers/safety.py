"""Downloader middleware that refuses private, loopback and metadata addresses before any fetch.

A crawler pointed at hostile sites is an SSRF tool unless every request is checked: a page can
link to `http://169.254.169.254/` (cloud credentials), `http://localhost:8080/admin`, or a public
host can redirect there. Scrapy sends redirect targets, robots.txt fetches and every followed link
back through the downloader middlewares, so checking in `process_request` (placed before every
middleware that can reach the network) covers them all. The checks themselves are
`crawlers.netguard`'s, the ones shared by the webhook notifier and the evidence fetcher; the name
lookup runs off the reactor with `crawl.dns_timeout` (`crawlers.guard_lookup`).

Refusals are counted and their messages kept in the crawl's stats (for the crawl report), and the
request fails with :class:`AddressRefused` so the spider can record it per item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

from crawlers import netguard
from crawlers.guard_lookup import Lookup, ThreadedLookup
from kernel.errors import FetchRefused

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

ALLOW_PRIVATE_SETTING = "JIKIMI_ALLOW_PRIVATE"
DNS_TIMEOUT_SETTING = "JIKIMI_DNS_TIMEOUT"
REFUSED_COUNT = "jikimi/refused"
REFUSED_MESSAGES = "jikimi/refused_messages"
MAX_KEPT_MESSAGES = 200


class AddressRefused(IgnoreRequest):
    """A request refused by the address guard; the message says which address and why."""


class AddressGuardMiddleware:
    """Refuse (AddressRefused) any request whose URL is not http(s) or whose host is not public.

    Names are looked up by `lookup` (worker threads with a timeout: `crawlers.guard_lookup`), so
    the reactor keeps fetching other hosts while a slow name resolves; IP literals need no lookup.
    """

    def __init__(self, stats: StatsCollector, *, allow_private: bool,
                 lookup: Lookup | None = None) -> None:
        self.stats = stats
        self.allow_private = allow_private
        self.lookup = lookup

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        assert crawler.stats is not None
        allow = crawler.settings.getbool(ALLOW_PRIVATE_SETTING, False)
        if allow:
            return cls(crawler.stats, allow_private=True)
        from twisted.internet import reactor  # the crawl's installed reactor

        lookup = ThreadedLookup(reactor, netguard.resolve,
                                timeout=crawler.settings.getfloat(DNS_TIMEOUT_SETTING, 5.0),
                                threads_max=crawler.settings.getint("CONCURRENT_REQUESTS", 16))
        return cls(crawler.stats, allow_private=False, lookup=lookup)

    async def process_request(self, request: Request) -> None:
        try:
            host = netguard.target_host(request.url)
            if self.allow_private:
                return
            literal = netguard.literal_address(host)
            addresses = [literal] if literal is not None else await self._look_up(request, host)
            netguard.check_addresses(request.url, host, addresses)
        except FetchRefused as exc:
            record_refusal(self.stats, str(exc))
            raise AddressRefused(str(exc)) from None

    async def _look_up(self, request: Request, host: str) -> list[netguard.IPAddress]:
        assert self.lookup is not None
        try:
            return await self.lookup(host)
        except FetchRefused as exc:
            raise FetchRefused(f"refused {request.url}: {exc}") from None


def record_refusal(stats: StatsCollector, message: str) -> None:
    stats.inc_value(REFUSED_COUNT)
    messages: list[str] = stats.get_value(REFUSED_MESSAGES) or []
    if len(messages) < MAX_KEPT_MESSAGES and message not in messages:
        messages.append(message)
    stats.set_value(REFUSED_MESSAGES, messages)


def refusals(stats: StatsCollector) -> tuple[int, list[str]]:
    """(how many requests were refused, the distinct messages kept)."""
    return int(stats.get_value(REFUSED_COUNT) or 0), list(stats.get_value(REFUSED_MESSAGES) or [])
