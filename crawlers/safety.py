"""Downloader middleware that refuses private, loopback and metadata addresses before any fetch.

A crawler pointed at hostile sites is an SSRF tool unless every request is checked: a page can
link to `http://169.254.169.254/` (cloud credentials), `http://localhost:8080/admin`, or a public
host can redirect there. Scrapy sends redirect targets, robots.txt fetches and every followed link
back through the downloader middlewares, so checking in `process_request` (placed before every
middleware that can reach the network) covers them all. The check itself is
`crawlers.netguard.check_url`, the one shared by the webhook notifier.

Refusals are counted and their messages kept in the crawl's stats (for the crawl report), and the
request fails with :class:`AddressRefused` so the spider can record it per item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

from crawlers import netguard
from kernel.errors import FetchRefused

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

ALLOW_PRIVATE_SETTING = "JIKIMI_ALLOW_PRIVATE"
REFUSED_COUNT = "jikimi/refused"
REFUSED_MESSAGES = "jikimi/refused_messages"
MAX_KEPT_MESSAGES = 200


class AddressRefused(IgnoreRequest):
    """A request refused by the address guard; the message says which address and why."""


class AddressGuardMiddleware:
    """Raise AddressRefused for any request whose URL `netguard.check_url` refuses."""

    def __init__(self, stats: StatsCollector, *, allow_private: bool) -> None:
        self.stats = stats
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        assert crawler.stats is not None
        allow = crawler.settings.getbool(ALLOW_PRIVATE_SETTING, False)
        return cls(crawler.stats, allow_private=allow)

    def process_request(self, request: Request) -> None:
        try:
            netguard.check_url(request.url, allow_private=self.allow_private)
        except FetchRefused as exc:
            record_refusal(self.stats, str(exc))
            raise AddressRefused(str(exc)) from None


def record_refusal(stats: StatsCollector, message: str) -> None:
    stats.inc_value(REFUSED_COUNT)
    messages: list[str] = stats.get_value(REFUSED_MESSAGES) or []
    if len(messages) < MAX_KEPT_MESSAGES and message not in messages:
        messages.append(message)
    stats.set_value(REFUSED_MESSAGES, messages)


def refusals(stats: StatsCollector) -> tuple[int, list[str]]:
    """(how many requests were refused, the distinct messages kept)."""
    return int(stats.get_value(REFUSED_COUNT) or 0), list(stats.get_value(REFUSED_MESSAGES) or [])
