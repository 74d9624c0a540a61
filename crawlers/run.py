"""Run one crawl in a child process and return its report.

Scrapy runs on Twisted, whose reactor cannot be restarted within one process: a second crawl in
the same process (the CLI's `run` twice, a scheduler's loop, a test suite) would fail. So every
crawl runs in a fresh child process (spawn, not fork: no inherited threads, locks or open
database handles) that opens its own store and blob store, crawls, and sends back
progress lines and the report through a queue. A crash of the child becomes one clear
:class:`JikimiError` in the parent, never a hang; a killed parent takes the child with it
(`crawlers.lifeline`), so no orphan goes on crawling and writing.

What the child does is in `crawlers.process`, which only the child imports: the parent (the CLI,
a scheduler worker) never loads Scrapy or Twisted. The job it runs is a `crawlers.job.CrawlJob`.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import sys
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from crawlers.job import CrawlJob
from crawlers.lifeline import Lifeline
from crawlers.report import CrawlReport
from crawlers.sites import SiteDefinition
from kernel import chaos, errors
from kernel.errors import JikimiError

Progress = Callable[[str], None]
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


def crawl(job: CrawlJob, *, progress: Progress | None = None) -> CrawlReport:
    """Crawl `job.site` in a child process; progress lines go to `progress` (default: stderr)."""
    site = job.site
    emit = progress or _to_stderr
    context = multiprocessing.get_context("spawn")
    messages: Any = context.Queue()
    child = context.Process(
        target=_child_main, args=(job, messages), name=f"jikimi-crawl-{site.name}"
    )
    chaos.point("crawl.spawn")
    with _bare_main_module():
        child.start()
    try:
        report = _await_report(site, child, messages, emit)
        chaos.point("crawl.reported")
        return report
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        messages.close()


def _child_main(job: CrawlJob, messages: Any) -> None:
    lifeline = Lifeline()
    lifeline.start()  # before the slow imports: a parent killed meanwhile is noticed too
    from crawlers.process import run_child  # only the child loads Scrapy and Twisted

    run_child(job, messages, lifeline)


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
