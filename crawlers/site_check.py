"""Fetch a site's first start page once, as its crawl would, and say what the crawl would take.

`jikimi sites check` (and the portal) use this to try a site file before it is scheduled: a
login wall, a robots.txt rule, a refused address or a page whose galleries the extractor cannot
see shows here in one request instead of after a crawl. The fetch is the crawler's guarded
one-shot fetch (`crawlers.refetch`: the address guard on every hop, the peer address checked
again, redirects followed by hand, a byte cap) under the crawl's own switch
(`crawl.allow_private`), with the crawl's user agent, default headers, the site's headers and
its secret headers and cookies (`crawlers.site_auth`, on the site's own hosts only). robots.txt
is read as the crawler reads it (Protego, Scrapy's default parser) when the site obeys it.

A check never stores anything. Its result names the secret headers it sent, never their values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from crawlers.extract import ExtractLimits
from crawlers.preview import PagePreview, preview_page
from crawlers.refetch import Fetched, fetch
from crawlers.scope import on_site
from crawlers.site_auth import AuthSecrets, load_auth
from crawlers.sites import SiteDefinition
from kernel.errors import FetchRefused
from kernel.settings import CrawlSettings

# The crawl's default request headers (crawlers.settings starts from these), before the site's.
CRAWL_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,image/*,video/*;q=0.9,*/*;q=0.8",
    "Accept-Language": "en,ko;q=0.8,*;q=0.5",
}
CRAWL_SETTING = "crawl.allow_private / --allow-private"
HeadersFor = Callable[[str], Mapping[str, str]]
_PASSWORD_FIELD = re.compile(rb"<input\b[^>]*\btype\s*=\s*[\"']?password", re.IGNORECASE)


@dataclass
class SiteCheck:
    """One start page fetched as the crawl would fetch it, and what the crawl would take."""

    site: str
    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    size: int = 0
    redirects: list[str] = field(default_factory=list)
    auth_headers: list[str] = field(default_factory=list)  # secret headers sent, by name only
    robots: str = "ignored"  # allowed | disallowed | ignored (robots: ignore) | none (no file)
    error: str | None = None  # why the crawl would get nothing from this page
    notes: list[str] = field(default_factory=list)
    preview: PagePreview | None = None

    @property
    def fetched(self) -> bool:
        """The page was fetched with a 2xx answer and read."""
        return self.error is None


def check_page(site: SiteDefinition, crawl: CrawlSettings, *, shown: int = 20) -> SiteCheck:
    """Fetch `site`'s first start URL once and preview it; a bad secret is a ConfigError, a page
    that cannot be fetched an `error` in the result."""
    site = site.resolve(crawl)
    secrets = load_auth(site)
    url = site.start_urls[0]
    result = SiteCheck(site=site.name, url=url)
    if site.render == "browser":
        result.notes.append("render: browser; this check reads the page as served, without "
                            "running its scripts")

    def headers_for(target: str) -> dict[str, str]:
        secret = secrets.headers_for(target) if secrets is not None else {}
        result.auth_headers = sorted(set(result.auth_headers) | set(secret))
        return CRAWL_HEADERS | site.headers | secret

    if site.robots == "obey":
        result.robots = _robots(url, crawl, headers_for)
        if result.robots == "disallowed":
            result.error = "disallowed by robots.txt"
            return result
    try:
        page = fetch(url, allow_private=crawl.allow_private, max_bytes=crawl.max_page_bytes,
                     timeout=crawl.download_timeout, user_agent=crawl.user_agent,
                     setting=CRAWL_SETTING, headers_for=headers_for)
    except FetchRefused as exc:
        result.error = str(exc)
        return result
    _describe(result, page, secrets, site)
    if _PASSWORD_FIELD.search(page.body):
        result.notes.append("the page has a password field: it may be a sign-in page (see the "
                            "site's auth)")
    if not 200 <= page.status < 300:
        result.error = f"http {page.status}"
        return result
    limits = ExtractLimits(max_srcset_candidates=crawl.max_srcset_candidates,
                           max_media=crawl.max_media_per_page)
    result.preview = preview_page(site, page.final_url, page.body, _header(page, "content-type"),
                                  limits=limits, max_depth=site.max_depth or 0, shown=shown)
    return result


def _describe(result: SiteCheck, page: Fetched, secrets: AuthSecrets | None,
              site: SiteDefinition) -> None:
    result.final_url, result.status = page.final_url, page.status
    result.content_type, result.size = page.content_type, len(page.body)
    result.redirects = list(page.redirects)
    if secrets is not None and not on_site(page.final_url, site.allowed_domains):
        result.notes.append("redirected off the site's allowed_domains: its secret headers and "
                            "cookies were not sent there")


def _robots(url: str, crawl: CrawlSettings, headers_for: HeadersFor) -> str:
    parts = urlsplit(url)
    robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
    try:
        answer = fetch(robots_url, allow_private=crawl.allow_private, max_bytes=512 * 1024,
                       timeout=crawl.download_timeout, user_agent=crawl.user_agent,
                       setting=CRAWL_SETTING, headers_for=headers_for)
    except FetchRefused:
        return "none"  # as Scrapy's robots.txt middleware: unreachable means no rules
    if not 200 <= answer.status < 300:
        return "none"
    rules = Protego.parse(answer.body.decode("utf-8", errors="replace"))
    return "allowed" if rules.can_fetch(url, crawl.user_agent) else "disallowed"


def _header(page: Fetched, name: str) -> str:
    for key, value in page.headers:
        if key.lower() == name:
            return value
    return ""
