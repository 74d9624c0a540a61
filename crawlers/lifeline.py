"""The crawl child dies with its parent, between two store writes.

A crawl runs in a child process (`crawlers.run`). When the parent is killed (`kill -9`, an OOM
kill, a scheduler that gives up), nobody is left to read the child's report, yet the child went
on crawling and writing for 17–34 s. Two lines of defence, both ending in :meth:`Lifeline.halt`:

- on Linux, `prctl(PR_SET_PDEATHSIG)` asks the kernel to signal the child the moment its parent
  dies; the parent pid is checked right after, for a parent that died before the call;
- everywhere, a watchdog thread waits on multiprocessing's parent sentinel (a pipe whose write
  end only the parent holds: end-of-file means the parent is gone).

The signal is SIGUSR1, not SIGTERM or SIGKILL: Scrapy owns SIGTERM (a graceful shutdown that
keeps downloading for seconds, the very symptom), and SIGKILL could land between a media row and
its sightings. `halt` waits for the store thread's current call (one item's writes) to finish,
bars the next one and exits at once; the next crawl resumes where this one stopped. This module
imports no Scrapy or Twisted, so the child sets it up before loading them.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
DEATH_SIGNAL = signal.SIGUSR1 if hasattr(signal, "SIGUSR1") else None
HALT_EXIT_CODE = 70
WAIT_FOR_WRITE_SECONDS = 1.0  # a store write still running after this is cut short


class Lifeline:
    """Ties this (child) process to its parent; `guard` names the gate store writes pass."""

    def __init__(self) -> None:
        self._between_writes: Callable[[float], object] | None = None

    def start(self) -> None:
        """Arm both defences; call first thing in the child. A no-op in a process without a
        multiprocessing parent (a test or one-shot job calling `crawl_here` itself)."""
        parent = multiprocessing.parent_process()
        if parent is None:
            return
        self._arm_death_signal(parent.pid)
        threading.Thread(target=self._watch, args=(parent,), name="jikimi-parent-watchdog",
                         daemon=True).start()

    def guard(self, between_writes: Callable[[float], object]) -> None:
        """`between_writes(timeout)` returns once no store write runs and bars further ones."""
        self._between_writes = between_writes

    def halt(self) -> None:
        """Exit now, but not in the middle of one item's store writes."""
        if self._between_writes is not None:
            self._between_writes(WAIT_FOR_WRITE_SECONDS)
        os._exit(HALT_EXIT_CODE)

    def _arm_death_signal(self, parent_pid: int | None) -> None:
        if not sys.platform.startswith("linux") or DEATH_SIGNAL is None:
            return
        signal.signal(DEATH_SIGNAL, self._on_signal)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(DEATH_SIGNAL), 0, 0, 0) != 0:
            return  # the watchdog still stands
        if parent_pid is not None and os.getppid() != parent_pid:
            self.halt()  # the parent died before prctl: no signal will come

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.halt()

    def _watch(self, parent: multiprocessing.process.BaseProcess) -> None:
        parent.join()  # returns when the sentinel pipe reaches end-of-file
        self.halt()
