"""The crawling process: Scrapy and Twisted run here, in a process that crawls exactly once.

Scrapy's reactor cannot restart within a process, so `crawlers.run` starts a fresh child process
per crawl and only that child imports this module; the parent never loads Scrapy or Twisted.
:func:`crawl_here` also serves a process that runs one crawl itself (a test, a one-shot job).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawlers.job import CrawlJob
from crawlers.lifeline import Lifeline
from crawlers.media import MediaSink
from crawlers.offload import StoreThread
from crawlers.report import CrawlReport
from crawlers.safety import refusals
from crawlers.settings import scrapy_settings
from crawlers.spiders import spider_for
from crawlers.streams.plan import StreamLimits
from kernel import chaos
from kernel.errors import JikimiError

Progress = Callable[[str], None]
PROGRESS_EVERY_PAGES = 10


def crawl_here(job: CrawlJob, *, progress: Progress | None = None,
               lifeline: Lifeline | None = None) -> CrawlReport:
    """Crawl `job.site` in this process (once per process: Scrapy's reactor cannot restart);
    a `lifeline` (the child of `crawlers.run`) stops it between two items' writes."""
    started = time.monotonic()
    site = job.site.resolve(job.crawl)
    report = CrawlReport(site=site.name)
    chaos.point("crawl.child")
    with StoreThread(f"jikimi-store-{site.name}") as thread:
        if lifeline is not None:
            lifeline.guard(thread.close_gate)
        store, blobs = thread.call(job.open_sinks)
        try:
            sink = MediaSink(store, blobs, site.name, report,
                             refresh_days=job.crawl.media_refresh_days)
            process = CrawlerProcess(scrapy_settings(site, job.crawl))
            crawler = process.create_crawler(spider_for(site))
            process.crawl(crawler, site, sink, store_thread=thread,
                          max_media_bytes=job.crawl.max_media_bytes,
                          max_video_bytes=job.max_video_bytes,
                          progress=progress, progress_every=PROGRESS_EVERY_PAGES,
                          caps=job.crawl, stream_limits=StreamLimits.for_crawl(
                              job.crawl, job.video, job.max_video_bytes))
            process.start()
            if crawler.stats is not None:
                report.refused, messages = refusals(crawler.stats)
                for message in messages:
                    report.add_error(message)
        finally:
            thread.call(store.close)
    report.seconds = round(time.monotonic() - started, 3)
    if progress is not None:
        progress(report.summary())
    return report


def run_child(job: CrawlJob, messages: Any, lifeline: Lifeline) -> None:
    """The child process's work: crawl, and send progress lines and the report (or the error)
    through `messages`."""
    try:
        report = crawl_here(job, progress=lambda line: messages.put(("progress", line)),
                            lifeline=lifeline)
        messages.put(("report", report.to_dict()))
    except JikimiError as exc:
        messages.put(("error", (type(exc).__name__, str(exc))))
    except BaseException as exc:  # a bug: keep the traceback on stderr, and say so in one line
        traceback.print_exc()
        messages.put(("error", ("JikimiError", f"crawler crashed: {type(exc).__name__}: {exc}")))
    finally:
        messages.close()
        messages.join_thread()
