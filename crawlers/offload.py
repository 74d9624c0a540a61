"""The one thread that does a crawl's store and blob I/O, off Scrapy's reactor thread.

Store reads, blob writes and SQLite transactions block; done in the reactor thread they stall
every download and callback of the crawl meanwhile. So the crawl's store and blob store are
opened, used and closed in a single worker thread, and the reactor side awaits each call.

One thread, not a pool: calls run in the order they were made (a media's sightings after the
media itself; one item's writes are one call, so :meth:`StoreThread.close_gate` can stop a dying
crawl between items, `crawlers.lifeline`), and a store backend is only ever touched by the
thread that opened it, so even a backend whose connections are bound to their thread is safe
(the SQLite store would also accept several threads: one connection under a lock,
`check_same_thread=False`).

The spider carries the sink and the thread (:class:`HoldsMedia`); the downloader middleware and
item pipeline that do the I/O find them through :func:`crawl_media`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar, cast, runtime_checkable

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorFromThreads
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawlers.media import MediaSink

P = ParamSpec("P")
T = TypeVar("T")


class StoreThread:
    """Run callables one at a time, in order, in a dedicated thread; close() waits for them."""

    def __init__(self, name: str = "jikimi-store") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._gate = Lock()  # held while a call runs; a closed gate lets no further call run

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn` in the thread and wait for it (outside the reactor: before or after a crawl)."""
        return self._pool.submit(self._gated, fn, *args, **kwargs).result()

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn` in the thread; the reactor goes on meanwhile. Its exception is raised here."""
        future = self._pool.submit(self._gated, fn, *args, **kwargs)
        return await maybe_deferred_to_future(_deferred(future))

    def close_gate(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the running call to finish, then let no call run again
        (for a process about to exit); False if the running call did not finish in time."""
        return self._gate.acquire(timeout=timeout)

    def _gated(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._gate:
            return fn(*args, **kwargs)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> StoreThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _deferred(future: Future[T]) -> Deferred[T]:
    """A Deferred fired in the reactor thread when `future` is done (any reactor, not only
    asyncio's)."""
    from twisted.internet import reactor  # the installed one: never import it at module level

    result: Deferred[T] = Deferred()
    threads = cast(IReactorFromThreads, reactor)
    future.add_done_callback(lambda done: threads.callFromThread(_fire, result, done))
    return result


def _fire(result: Deferred[Any], done: Future[Any]) -> None:
    error = done.exception()
    if error is None:
        result.callback(done.result())
    else:
        result.errback(Failure(error))


@runtime_checkable
class HoldsMedia(Protocol):
    """A spider that carries its crawl's media sink and the thread that may use it."""

    sink: MediaSink
    store_thread: StoreThread


def crawl_media(crawler: Crawler) -> tuple[MediaSink, StoreThread]:
    """The running crawl's media sink and store thread, which its spider carries."""
    spider = crawler.spider
    if not isinstance(spider, HoldsMedia):
        raise NotConfigured(f"spider {spider!r} carries no media sink and store thread")
    return spider.sink, spider.store_thread
