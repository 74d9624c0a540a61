"""Scrapy settings for jikimi crawls: safe, quiet defaults plus the per-site values.

The module-level names are a plain Scrapy project settings module (usable with `scrapy` tools);
:func:`scrapy_settings` layers one site's definition and the crawl settings section on top.
Cookies are off (a crawler needs no session and should not carry one between sites), the telnet
console is off
(an open local port), AutoThrottle is off (the site's own delay and concurrency apply), and
the address guard runs before every downloader middleware that can reach the network (only the
media freshness check, which reads the store, comes first). A login-walled site's secret headers
and cookies (`crawlers.site_auth`) are read when these settings are built and set by a
middleware on the site's own hosts only, never through DEFAULT_REQUEST_HEADERS (which Scrapy
logs, and sends to every host). Store writes happen in the item
pipeline (`crawlers.pipelines`), never in the spider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.settings import Settings as ScrapySettings

from crawlers.render import browser_settings
from crawlers.safety import ALLOW_PRIVATE_SETTING, DNS_TIMEOUT_SETTING
from crawlers.site_auth import AUTH_SETTING, load_auth
from crawlers.site_check import CRAWL_HEADERS

if TYPE_CHECKING:
    from crawlers.sites import SiteDefinition
    from kernel.settings import CrawlSettings

BOT_NAME = "jikimi"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
AUTOTHROTTLE_ENABLED = False
LOG_LEVEL = "WARNING"
# Scrapy starts this many asyncio tasks for *every* callback's output, however short (default
# 100): a re-crawl of 60 gallery pages made 151,601 tasks for 1,501 outputs and spent most of its
# time creating them. Items go through one store thread anyway, so a few in flight are enough.
CONCURRENT_ITEMS = 4
RETRY_TIMES = 1
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0  # the spider enforces the site's own depth (media one level below a page is fine)
DOWNLOAD_FAIL_ON_DATALOSS = True
# Breadth first, so a page limit keeps the pages closest to the start URLs.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
DOWNLOADER_MIDDLEWARES = {
    "crawlers.freshness.MediaFreshnessMiddleware": 5,
    "crawlers.safety.AddressGuardMiddleware": 10,
    "crawlers.site_auth.SiteAuthMiddleware": 20,  # a login-walled site's secrets, own hosts only
}
SPIDER_MIDDLEWARES = {"crawlers.fresh_batch.FreshMediaBatchMiddleware": 950}  # nearest the spider
ITEM_PIPELINES = {"crawlers.pipelines.MediaStorePipeline": 300}
TWISTED_DNS_RESOLVER = "crawlers.resolver.GuardedResolver"  # re-checks the address used to connect


def scrapy_settings(site: SiteDefinition, crawl: CrawlSettings) -> ScrapySettings:
    """This module's settings with the site's politeness and the crawl section's limits applied."""
    result = ScrapySettings()
    result.setmodule("crawlers.settings", priority="project")
    headers: dict[str, Any] = dict(CRAWL_HEADERS)  # `jikimi sites check` sends the same
    headers.update(site.headers)
    result.setdict(
        {
            "USER_AGENT": crawl.user_agent,
            "ROBOTSTXT_OBEY": site.robots == "obey",
            "CONCURRENT_REQUESTS": max(4, site.concurrency * 4),
            "CONCURRENT_REQUESTS_PER_DOMAIN": site.concurrency,
            "DOWNLOAD_DELAY": site.delay,
            "DOWNLOAD_TIMEOUT": crawl.download_timeout,
            "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
            "DOWNLOAD_WARNSIZE": crawl.max_page_bytes,
            "DEFAULT_REQUEST_HEADERS": headers,
            ALLOW_PRIVATE_SETTING: crawl.allow_private,
            DNS_TIMEOUT_SETTING: crawl.dns_timeout,  # the guard's lookups …
            "DNS_TIMEOUT": crawl.dns_timeout,  # … and Scrapy's own, at connection time
            AUTH_SETTING: load_auth(site),  # read here, in the crawling process, at crawl start
        },
        priority="cmdline",
    )
    result.setdict(browser_settings(site, crawl), priority="cmdline")  # render: browser only
    return result
