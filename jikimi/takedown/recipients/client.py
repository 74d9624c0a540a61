"""Every RDAP request of a lookup, through the crawler's address guard and the answer cache.

RDAP URLs come partly from outside (bootstrap registries, `links` in answers), so they are
fetched like any hostile URL: `crawlers.refetch.fetch` checks each address and redirect and
caps the size. The guard is lifted only by `rdap_allow_private` (tests serving recorded answers
on loopback). Within one lookup a URL is fetched at most once, even with the cache off; any
failure becomes an `RdapUnavailable` with a line a takedown team can read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from crawlers.refetch import Fetched, fetch
from jikimi.takedown.recipients.cache import RdapAnswer, RdapCache
from kernel.errors import FetchRefused, JikimiError, one_line
from kernel.settings_takedown import TakedownSettings

RDAP_MEDIA_TYPE = "application/rdap+json"
USER_AGENT = "jikimi-takedown (RDAP abuse-contact lookup)"
MAX_ANSWER_BYTES = 4 * 1024 * 1024  # ipv6.json is ~10 kB, the largest IP answers ~200 kB
KEPT_STATUSES = frozenset({200, 404})  # an answer (or its absence) worth caching

Fetch = Callable[[str], Fetched]


class RdapUnavailable(JikimiError):
    """An RDAP server or bootstrap registry could not be asked, or answered nonsense."""


def guarded_fetch(settings: TakedownSettings) -> Fetch:
    """The default fetcher: GET through the address guard, asking for RDAP JSON."""
    return partial(fetch, allow_private=settings.rdap_allow_private,
                   max_bytes=MAX_ANSWER_BYTES, timeout=settings.rdap_timeout,
                   user_agent=USER_AGENT, accept=f"{RDAP_MEDIA_TYPE}, application/json",
                   setting="takedown.rdap_allow_private")


class RdapClient:
    """Answers by URL: from this lookup's memory, then the cache, then the network."""

    def __init__(self, cache: RdapCache, fetcher: Fetch) -> None:
        self.cache = cache
        self.fetcher = fetcher
        self._seen: dict[str, RdapAnswer] = {}

    def get(self, url: str) -> RdapAnswer:
        """The answer for `url`: status 200 or 404 (RDAP's "no such object"); anything else
        raises RdapUnavailable."""
        if url in self._seen:
            return self._seen[url]
        answer = self.cache.get(url) or self._fetch(url)
        self._seen[url] = answer
        return answer

    def _fetch(self, url: str) -> RdapAnswer:
        try:
            fetched = self.fetcher(url)
        except FetchRefused as exc:
            raise RdapUnavailable(f"RDAP request failed: {one_line(exc)}") from None
        if fetched.status not in KEPT_STATUSES:
            raise RdapUnavailable(f"RDAP server answered {fetched.status} for {url}")
        answer = RdapAnswer(url, fetched.status, _json_object(fetched, url))
        self.cache.put(answer)
        return answer


def _json_object(fetched: Fetched, url: str) -> dict[str, Any]:
    """The body as a JSON object; a 404 may carry any body (servers send HTML error pages)."""
    try:
        document = json.loads(fetched.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        document = None
    if isinstance(document, dict):
        return document
    if fetched.status == 404:
        return {}
    raise RdapUnavailable(f"RDAP answer from {url} is not a JSON object "
                          f"(content type {fetched.content_type})")
