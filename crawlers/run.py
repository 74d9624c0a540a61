"""Run one crawl in a child process and return its report.

Scrapy runs on Twisted, whose reactor cannot be restarted within one process: a second crawl in
the same process (the CLI's `run` twice, a scheduler's loop, a test suite) would fail. So every
crawl runs in a fresh child process (spawn, not fork: no inherited threads, locks or open
database handles) that opens its own store and blob store, crawls, and sends back
progress lines and the report through a queue. A crash of the child becomes one clear
:class:`JikimiError` in the parent, never a hang.

The crawler names no backend: a :class:`CrawlJob` carries `open_sinks`, a picklable callable the
application's composition root supplies, which opens the store and blob store in whichever
process crawls — in that process's store thread (`crawlers.offload`), the only thread that
touches them.

:func:`crawl_here` is the in-process part, for a process that runs exactly one crawl.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from crawlers.media import MediaSink
from crawlers.offload import StoreThread
from crawlers.report import CrawlReport
from crawlers.safety import refusals
from crawlers.sites import SiteDefinition
from kernel import errors
from kernel.errors import JikimiError
from kernel.ports import BlobStore, Store
from kernel.settings import CrawlSettings

Progress = Callable[[str], None]
OpenSinks = Callable[[], tuple[Store, BlobStore]]
PROGRESS_EVERY_PAGES = 10
_POLL_SECONDS = 0.5


@contextmanager
def _bare_main_module() -> Iterator[None]:
    """Start the child without re-running this process's `__main__` script.

    Spawn re-imports the parent's main script in the child. In an Airflow 3 worker that script is
    `airflow`, whose import configures Airflow's database (which task processes are not given)
    and kills the child; other hosts (Celery, notebooks) have main scripts just as unsuitable.
    The child needs nothing from `__main__`, so it gets an empty one while it starts."""
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = real


@dataclass(frozen=True)
class CrawlJob:
    """One crawl: the site, the crawl settings section, the video size cap, and where media goes.

    It crosses into the child process, so every field pickles: `open_sinks` must be a module-level
    function or a `functools.partial` of one (the application passes its registry's opener)."""

    site: SiteDefinition
    crawl: CrawlSettings
    max_video_bytes: int
    open_sinks: OpenSinks


def crawl(job: CrawlJob, *, progress: Progress | None = None) -> CrawlReport:
    """Crawl `job.site` in a child process; progress lines go to `progress` (default: stderr)."""
    site = job.site
    emit = progress or _to_stderr
    context = multiprocessing.get_context("spawn")
    messages: Any = context.Queue()
    child = context.Process(
        target=_child_main, args=(job, messages), name=f"jikimi-crawl-{site.name}"
    )
    with _bare_main_module():
        child.start()
    try:
        return _await_report(site, child, messages, emit)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        messages.close()


def crawl_here(job: CrawlJob, *, progress: Progress | None = None) -> CrawlReport:
    """Crawl `job.site` in this process (once per process: Scrapy's reactor cannot restart)."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import scrapy_settings
    from crawlers.spiders.generic import GenericSpider

    started = time.monotonic()
    site = job.site.resolve(job.crawl)
    report = CrawlReport(site=site.name)
    with StoreThread(f"jikimi-store-{site.name}") as thread:
        store, blobs = thread.call(job.open_sinks)
        try:
            sink = MediaSink(store, blobs, site.name, report,
                             refresh_days=job.crawl.media_refresh_days)
            process = CrawlerProcess(scrapy_settings(site, job.crawl))
            crawler = process.create_crawler(GenericSpider)
            process.crawl(crawler, site, sink, store_thread=thread,
                          max_media_bytes=job.crawl.max_media_bytes,
                          max_video_bytes=job.max_video_bytes,
                          progress=progress, progress_every=PROGRESS_EVERY_PAGES)
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


def _child_main(job: CrawlJob, messages: Any) -> None:
    try:
        report = crawl_here(job, progress=lambda line: messages.put(("progress", line)))
        messages.put(("report", report.to_dict()))
    except JikimiError as exc:
        messages.put(("error", (type(exc).__name__, str(exc))))
    except BaseException as exc:  # a bug: keep the traceback on stderr, and say so in one line
        traceback.print_exc()
        messages.put(("error", ("JikimiError", f"crawler crashed: {type(exc).__name__}: {exc}")))
    finally:
        messages.close()
        messages.join_thread()


def _await_report(
    site: SiteDefinition, child: Any, messages: Any, emit: Progress
) -> CrawlReport:
    exited_at: float | None = None
    while True:
        try:
            kind, payload = messages.get(timeout=_POLL_SECONDS)
        except queue_module.Empty:
            if child.is_alive():
                continue
            exited_at = exited_at or time.monotonic()
            if time.monotonic() - exited_at < 2.0:  # let the last messages through the pipe
                continue
            raise JikimiError(
                f"crawl of {site.name} failed: the crawler process exited with code "
                f"{child.exitcode} without a report"
            ) from None
        if kind == "progress":
            emit(str(payload))
        elif kind == "report":
            return CrawlReport.from_dict(payload)
        else:
            name, message = payload
            error_class = getattr(errors, name, JikimiError)
            if not (isinstance(error_class, type) and issubclass(error_class, JikimiError)):
                error_class = JikimiError
            raise error_class(f"crawl of {site.name} failed: {message}")


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
