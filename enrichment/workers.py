"""Data-parallel enrichment workers: each process decodes, finds faces, hashes and assesses.

On 2 cores, two processes with one onnxruntime thread each clear 2.1× the images of one
untuned process and more than one process with two threads (shared notes): detection,
recognition, decoding and the signals are all one-image work, and a process per core keeps each
core busy with no locking. Decoding happens in the workers (~17 ms per photo), so the parent
only reads bytes and stores results, one transaction per item, as today.

Workers start with `spawn` (a fork would copy the parent's onnxruntime thread pools, which
deadlock in a child) and build their tools once from a picklable factory. Starting one costs
~1–2 s (imports, model sessions), so small runs stay in-process (`resolve_workers`).

A worker that dies (a decoder segfault, the OOM killer) breaks the pool and loses the chunks in
flight, not their items: each of those items runs again alone in a fresh pool, and the one that
kills its worker again gets a recorded error. Nothing is marked done that was not stored.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

from enrichment.analyze import EnrichSettings
from enrichment.batch import Outcome, analyze_many
from enrichment.reuse import IdenticalImages
from enrichment.signals.suite import SignalSuite
from kernel.errors import JikimiError
from kernel.ports import FaceEngine, MediaStore
from kernel.records import Media

MIN_ITEMS_PER_WORKER = 32  # below this a worker's start-up costs more than it saves
Item = tuple[bytes, Media]
T = TypeVar("T")


@dataclass
class EnrichTools:
    """What analysis needs in one process: engine, signals, and a store to reuse faces from."""

    engine: FaceEngine
    suite: SignalSuite
    store: MediaStore | None = None


ToolsFactory = Callable[[], EnrichTools]


class WorkerCrashed(JikimiError):
    """The worker process analysing this item died (a native crash or out of memory)."""


def resolve_workers(configured: int | None, items: int) -> int:
    """Worker processes for `items` items: `configured` or one per usable core, never more
    than the items keep busy; 1 means in-process (also inside a daemonic process, which may not
    start processes of its own)."""
    if multiprocessing.current_process().daemon:  # e.g. a Celery prefork child: no children
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wanted = configured or cores or 1
    return max(1, min(wanted, items // MIN_ITEMS_PER_WORKER))


def guided_chunks(items: Sequence[T], workers: int, largest: int) -> list[Sequence[T]]:
    """`items` cut into chunks that shrink towards the end ("guided" scheduling): each takes
    half a worker's fair share of what is left, at most `largest` and at least 1.

    Chunks go to whichever worker is free, so a round ends when its last chunk does: with equal
    chunks of 16, a round of 64 photos is 4 chunks for 2 workers and one worker waits for the
    other's slowest chunk. Shrinking chunks keep full recognizer batches for the bulk and leave
    a tail of small ones that evens the workers out (64 photos, 2 workers: 7 % more images/s,
    `jikimi bench`). With one worker there is nothing to even out: chunks of `largest`."""
    if workers <= 1:
        return [items[i:i + largest] for i in range(0, len(items), largest)]
    chunks: list[Sequence[T]] = []
    start = 0
    while start < len(items):
        size = max(1, min(largest, -(-(len(items) - start) // (2 * workers))))
        chunks.append(items[start:start + size])
        start += size
    return chunks


def analyze_in(tools: EnrichTools, items: Sequence[Item], settings: EnrichSettings
               ) -> list[Outcome]:
    reuse = None
    if settings.media.reuse_identical and tools.store is not None:
        reuse = IdenticalImages(tools.store, tools.engine.model_id)
    return analyze_many(items, tools.engine, tools.suite, settings, reuse)


_tools: EnrichTools | None = None
_settings: EnrichSettings | None = None


def start_worker(factory: ToolsFactory, settings: EnrichSettings) -> None:
    """A worker process's initializer: one thread per library, then its tools, built once."""
    import cv2

    from enrichment.faces.sessions import set_process_threads

    global _tools, _settings
    cv2.setNumThreads(1)
    set_process_threads(1)
    _tools, _settings = factory(), settings


def worker_tools() -> tuple[EnrichTools, EnrichSettings]:
    """The tools and settings `start_worker` built in this process."""
    assert _tools is not None and _settings is not None, "worker not started"
    return _tools, _settings


def _analyze_chunk(items: Sequence[Item]) -> list[Outcome]:
    tools, settings = worker_tools()
    return analyze_in(tools, items, settings)


class WorkerPool:
    """`workers` processes analysing chunks of items; `run` yields each chunk's outcomes."""

    def __init__(self, workers: int, factory: ToolsFactory, settings: EnrichSettings) -> None:
        self.workers, self.factory, self.settings = workers, factory, settings
        self.executor = self._start()
        self.broken = False

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=start_worker,
                                   initargs=(self.factory, self.settings))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def run(self, chunks: Sequence[Sequence[Item]]) -> Iterator[list[Outcome]]:
        lost: list[Item] = []
        running: dict[Future[list[Outcome]], Sequence[Item]] = {
            self.executor.submit(_analyze_chunk, chunk): chunk for chunk in chunks}
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = running.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    self.broken = True
                    lost.extend(chunk)
        if lost:
            yield from self._alone(lost)

    def _alone(self, items: Sequence[Item]) -> Iterator[list[Outcome]]:
        """Each item of a broken pool's chunks on its own, so only a culprit fails."""
        for item in items:
            self._restart_if_broken()
            try:
                yield self.executor.submit(_analyze_chunk, [item]).result()
            except BrokenProcessPool:
                self.broken = True
                crash = WorkerCrashed("the enrichment worker died analysing this item "
                                      "(a native crash or out of memory)")
                yield [Outcome(item[1], error=crash)]

    def _restart_if_broken(self) -> None:
        if self.broken:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor, self.broken = self._start(), False
