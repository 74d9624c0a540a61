"""Name lookups for the address guard, on worker threads and with a timeout, never on the reactor.

`getaddrinfo` blocks. Called from a downloader middleware it ran on the Twisted reactor, so one
page linking to 15 slow names (2 s each) froze every other fetch of the crawl for 30 s (issue 13,
finding 3). Lookups now run on a thread pool of their own (sized like the crawl's concurrency:
there are never more lookups in flight than requests), so a hostile name can neither hold the
reactor nor starve the pool Scrapy's own resolver uses. A lookup that takes longer than
`crawl.dns_timeout` is given up: the request is refused with a message saying so (the worker
thread finishes on its own; its answer is dropped).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, threads
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from crawlers.netguard import IPAddress, Resolve
from kernel.errors import FetchRefused

Lookup = Callable[[str], Awaitable[list[IPAddress]]]


class ThreadedLookup:
    """`await lookup(host)`: `resolver(host)` on a worker thread, FetchRefused after `timeout` s."""

    def __init__(self, reactor: Any, resolver: Resolve, *, timeout: float, threads_max: int,
                 setting: str = "crawl.dns_timeout") -> None:
        self.reactor, self.resolver = reactor, resolver
        self.timeout, self.setting = timeout, setting
        self.pool = ThreadPool(minthreads=0, maxthreads=max(1, threads_max), name="jikimi-guard")
        self.pool.start()
        reactor.addSystemEventTrigger("during", "shutdown", self.pool.stop)

    async def __call__(self, host: str) -> list[IPAddress]:
        answer = threads.deferToThreadPool(self.reactor, self.pool, self.resolver, host)
        answer.addTimeout(self.timeout, self.reactor,
                          onTimeoutCancel=lambda result, timeout: self._timed_out(result, host))
        return await maybe_deferred_to_future(answer)

    def _timed_out(self, result: Any, host: str) -> Any:
        if isinstance(result, Failure) and result.check(defer.CancelledError):
            raise FetchRefused(f"looking up {host} took longer than {self.timeout:g} s "
                               f"({self.setting})")
        return result
