"""A DNS resolver that refuses non-public answers at connection time (DNS rebinding guard).

The address guard middleware checks a URL's resolved addresses before a request is scheduled;
Twisted resolves the host again when it connects. A hostile DNS server can answer with a public
address first and 127.0.0.1 or 169.254.169.254 the second time. This resolver checks the answer
that is actually used for the connection, unless `crawl.allow_private` is set.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawlers.netguard import is_public_address
from crawlers.safety import ALLOW_PRIVATE_SETTING


def refuse_non_public(address: str, name: str) -> str:
    """Pass a public `address` through; raise DNSLookupError for any other."""
    if not is_public_address(ipaddress.ip_address(address)):
        raise DNSLookupError(f"{name} resolved to non-public address {address} (refused)")
    return address


class GuardedResolver(CachingThreadedResolver):
    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool(ALLOW_PRIVATE_SETTING)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        answer = super().getHostByName(name, timeout)
        if not self.allow_private:
            answer.addCallback(refuse_non_public, name)
        return answer
