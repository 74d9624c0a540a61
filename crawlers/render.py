"""Script-built pages: what a `render: browser` site changes in a crawl (light: no browser here).

Some galleries are empty HTML until a script fetches the list of pictures and inserts the `<img>`
tags. For a site with `render: browser`, its *page* requests are rendered in headless Chromium
(Debian's `chromium`, driven by Playwright through scrapy-playwright's download handler:
`crawlers.render_handler`) and the extractor reads the rendered DOM; media, robots.txt and every
other request stay ordinary Scrapy requests, so the address guard middleware, freshness checks and
size caps apply to them unchanged. Everything the browser itself fetches goes through the SOCKS5
address guard (`crawlers.render_guard`). Each page has `render_timeout` seconds in all; the
browser has no persistent profile (a fresh incognito context per crawl, in a temporary profile
folder Playwright removes when the browser closes).

This module holds only names and settings, so the spider and `crawlers.settings` import it
without loading Playwright; a static site's crawl never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawlers.sites import SiteDefinition
    from kernel.settings import CrawlSettings

RENDER = "jikimi_render"  # request meta: render this page in the browser
RENDERED = "rendered"  # response flag: this body is a rendered DOM (and a `rendered` source)
RENDER_TIMEOUT_SETTING = "JIKIMI_RENDER_TIMEOUT"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # Playwright needs it
HANDLER = "crawlers.render_handler.RenderingDownloadHandler"
# Headless, nothing of the browser's own phoning home, no GPU, no QUIC (UDP would bypass the
# SOCKS5 guard) and no WebRTC over UDP outside the proxy.
CHROMIUM_FLAGS = (
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
    "--disable-default-apps", "--disable-extensions", "--disable-breakpad",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
# Hosts Chromium itself calls (component updates, Google account checks) even with the flags
# above; seen through the guard with Debian's chromium 156. Refused, and not reported as a page's
# refused request.
BROWSER_SERVICES = frozenset({
    "update.googleapis.com", "accounts.google.com", "clients2.google.com",
    "clients2.googleusercontent.com", "redirector.gvt1.com", "safebrowsing.googleapis.com",
    "optimizationguide-pa.googleapis.com", "content-autofill.googleapis.com",
})
CONTEXT_OPTIONS: dict[str, Any] = {
    "service_workers": "block",  # a worker's fetches would escape the page's routing
    "accept_downloads": False,  # a page that turns out to be a download is not rendered
    "java_script_enabled": True,
}


def render_meta(site: SiteDefinition) -> dict[str, Any]:
    """The meta a page request of `site` carries: renders in the browser for `render: browser`."""
    return {RENDER: True} if site.render == "browser" else {}


def browser_settings(site: SiteDefinition, crawl: CrawlSettings) -> dict[str, Any]:
    """Scrapy settings for a `render: browser` site (none for a static one)."""
    if site.render != "browser":
        return {}
    return {
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": crawl.chromium_path, "headless": True,
            "args": list(CHROMIUM_FLAGS), "chromium_sandbox": False,
        },
        # Started with the engine, so launching Chromium is not charged to the first page.
        "PLAYWRIGHT_CONTEXTS": {"default": dict(CONTEXT_OPTIONS)},
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": "crawlers.render_handler.page_headers",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": site.render_timeout * 1000,
        RENDER_TIMEOUT_SETTING: site.render_timeout,
    }
