"""Which URLs belong to a site, and which of its pages a crawl follows.

One place for the rules, because three readers must agree on them: the spider (what it
crawls), the auth middleware (which requests may carry the site's cookies and secret headers:
its own hosts only, never a CDN), and `jikimi sites check` (which links it says a crawl would
follow). A host is on the site when it equals one of `allowed_domains` or is a subdomain of one;
ports do not matter (as for cookies and Scrapy's own off-site rule).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from crawlers.sites import SiteDefinition


def host_of(url: str) -> str:
    """The URL's host, lower case without a trailing dot; "" when it has none or is malformed."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def on_site(url: str, domains: Sequence[str]) -> bool:
    """Whether `url`'s host is one of `domains` or below one of them."""
    host = host_of(url)
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)


class SiteScope:
    """A site's follow / deny / domain / depth rules, compiled once."""

    def __init__(self, site: SiteDefinition, max_depth: int) -> None:
        self.domains = list(site.allowed_domains)
        self.max_depth = max_depth
        self._follow = [re.compile(p) for p in site.follow]
        self._deny = [re.compile(p) for p in site.deny]

    def on_site(self, url: str) -> bool:
        return on_site(url, self.domains)

    def denied(self, url: str) -> bool:
        return any(p.search(url) for p in self._deny)

    def may_follow(self, url: str, depth: int, domains: Sequence[str] | None = None) -> bool:
        """Whether a link to `url`, `depth` hops from a start URL, is a page to crawl; `domains`
        replaces the site's (a spider that widens its own `allowed_domains`)."""
        if depth > self.max_depth or self.denied(url):
            return False
        if not on_site(url, self.domains if domains is None else domains):
            return False
        return not self._follow or any(p.search(url) for p in self._follow)
