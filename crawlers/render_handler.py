"""The download handler that renders `render: browser` pages in headless Chromium.

Built on scrapy-playwright's handler (Scrapy glue for Playwright: browser and context lifetime,
the response from the rendered page, redirect metadata), which needs the asyncio reactor. What
jikimi adds, using only its settings, request meta keys and the handler's `config`:

- the guard: Chromium's only way out is the SOCKS5 address guard (`crawlers.render_guard`),
  started with the engine and closed with the handler; its refusals are counted with the address
  guard middleware's (`crawl.allow_private` lifts both, and nothing else does);
- the budget: a page gets `render_timeout` seconds in all (navigation until `load`, then a short
  wait for the network to go idle, then the DOM); past it the page is closed and its request
  fails with :class:`RenderTimedOut`, and the crawl goes on;
- the page's own limits: a rendered DOM larger than `crawl.max_page_bytes` is refused, and so is
  a page whose navigation ended on another site; a "page" that is a download (the browser
  context refuses downloads) is fetched again as a plain request, with the crawl's size caps;
- headers: the site's request headers (its `headers`, auth) go with the page's own navigation
  only, never with what the page loads from other hosts or frames.

Requests without the `render` meta key (media, robots.txt) go through Scrapy's HTTP handler.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Page
from playwright.async_api import Request as BrowserRequest
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from crawlers import netguard
from crawlers.guard_lookup import ThreadedLookup
from crawlers.render import BROWSER_SERVICES, RENDER, RENDER_TIMEOUT_SETTING, RENDERED
from crawlers.render_guard import SocksGuard
from crawlers.safety import ALLOW_PRIVATE_SETTING, DNS_TIMEOUT_SETTING, record_refusal

SETTLE_SECONDS = 3.0  # after `load`, wait at most this long for the network to go idle …
CONTENT_RESERVE = 0.5  # … leaving this much of the budget to read the DOM
CLOSE_SECONDS = 5.0


class RenderTimedOut(Exception):
    """A page did not finish rendering within its site's `render_timeout`."""


class BrowserMissing(Exception):
    """`crawl.chromium_path` names no file: every rendered page fails with this, at once."""


class RenderingDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.crawler = crawler
        self.budget = settings.getfloat(RENDER_TIMEOUT_SETTING, 20.0)
        self.max_page_bytes = settings.getint("DOWNLOAD_MAXSIZE")
        allow = settings.getbool(ALLOW_PRIVATE_SETTING, False)
        stats = crawler.stats
        assert stats is not None
        self.guard = SocksGuard(allow_private=allow, lookup=_unused_lookup if allow else
                                _threaded_lookup(settings.getfloat(DNS_TIMEOUT_SETTING, 5.0),
                                                 settings.getint("CONCURRENT_REQUESTS", 16)),
                                on_refused=lambda message: record_refusal(stats, message),
                                connect_timeout=settings.getfloat("DOWNLOAD_TIMEOUT", 30.0),
                                browser_services=BROWSER_SERVICES)
        self.config.launch_options["proxy"] = {"server": self.guard.url}
        executable = Path(self.config.launch_options.get("executable_path") or "")
        self.missing = None if executable.is_file() else (
            f"no browser at {executable} (crawl.chromium_path): apt-get install chromium")
        if self.missing:  # a failed launch leaves empty temporary folders: try none
            self.config.startup_context_kwargs = {}
        crawler.signals.connect(self.guard.start, signal=signals.engine_started)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.guard.close()

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get(RENDER):
            return await super().download_request(request)
        if self.missing:
            raise BrowserMissing(self.missing)
        deadline = asyncio.get_running_loop().time() + self.budget
        request.meta.update({
            "playwright": True,
            "playwright_include_page": True,  # so that this handler closes it, whatever happens
            "playwright_page_goto_kwargs": {"wait_until": "load", "timeout": self.budget * 1000},
            "playwright_page_methods": [PageMethod(settle, deadline)],
        })
        response: Response | None = None
        try:
            async with asyncio.timeout(self.budget):
                response = await super().download_request(request)
        except (TimeoutError, PlaywrightTimeoutError):
            raise RenderTimedOut(f"rendering took longer than {self.budget:g} s "
                                 "(the site's render_timeout)") from None
        except RuntimeError as exc:  # scrapy-playwright's words for a download the context refused
            if not str(exc).startswith("Failed to download"):
                raise
        finally:
            page = request.meta.pop("playwright_page", None)
            if isinstance(page, Page):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(page.close(), CLOSE_SECONDS)
        if response is None:  # a file, not a page: fetched as a static crawl would, with its caps
            request.meta["playwright"] = False
            return await super().download_request(request)
        self._check(request, response)
        response.flags.append(RENDERED)
        return response

    def _check(self, request: Request, response: Response) -> None:
        if self.max_page_bytes and len(response.body) > self.max_page_bytes:
            raise DownloadCancelledError(
                f"rendered page is {len(response.body)} bytes, more than crawl.max_page_bytes "
                f"({self.max_page_bytes})")
        domains = getattr(self.crawler.spider, "allowed_domains", None) or []
        host = (urlsplit(response.url).hostname or "").rstrip(".")
        if domains and not any(host == d or host.endswith("." + d) for d in domains):
            raise IgnoreRequest(f"the rendered page left the site: {request.url} ended at "
                                f"{response.url}")


async def settle(page: Page, deadline: float) -> None:
    """After `load`: wait for the network to go idle (scripts fetching the gallery), at most
    SETTLE_SECONDS and never past the page's deadline; a page that stays busy is read as is."""
    remaining = deadline - asyncio.get_running_loop().time() - CONTENT_RESERVE
    wait = min(SETTLE_SECONDS, remaining)
    if wait > 0:
        with contextlib.suppress(PlaywrightTimeoutError):
            await page.wait_for_load_state("networkidle", timeout=wait * 1000)


async def page_headers(*, browser_type_name: str, playwright_request: BrowserRequest,
                       scrapy_request_data: dict[str, Any]) -> dict[str, str]:
    """The headers of one request the browser makes (scrapy-playwright's header hook).

    The page's own top-level navigation on the page's own host carries the crawl's headers (user
    agent, languages, the site's `headers` and auth); everything else keeps the browser's own
    headers with the crawl's user agent, so a site's credentials never reach another host."""
    scrapy_headers: dict[str, str] = scrapy_request_data["headers"].to_unicode_dict()
    browser_headers = await playwright_request.all_headers()
    agent = scrapy_headers.get("User-Agent") or browser_headers.get("user-agent")
    if _is_own_navigation(playwright_request, scrapy_request_data["url"]):
        return {**scrapy_headers, "User-Agent": agent or ""}
    return {**browser_headers, "user-agent": agent or ""}


def _is_own_navigation(request: BrowserRequest, page_url: str) -> bool:
    try:
        top_level = request.is_navigation_request() and request.frame.parent_frame is None
    except Exception:  # a request without a frame (a worker's): never the page's own
        return False
    return top_level and urlsplit(request.url).netloc == urlsplit(page_url).netloc


def _threaded_lookup(timeout: float, threads_max: int) -> ThreadedLookup:
    from twisted.internet import reactor  # the crawl's installed (asyncio) reactor

    return ThreadedLookup(reactor, netguard.resolve, timeout=timeout, threads_max=threads_max)


async def _unused_lookup(host: str) -> list[netguard.IPAddress]:
    raise AssertionError("allow_private: the guard looks nothing up")
