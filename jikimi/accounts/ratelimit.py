"""Failed sign-ins per client address, in memory: the limit lockout cannot give.

Lockout protects one account from many guesses; it does nothing against one client trying a
few passwords on many accounts (or on usernames that do not exist, which have no counter to
lock). This limiter counts failures per key (the client's address) in a sliding window. It
lives in the process, so it forgets on restart and each web worker counts on its own: a brake,
not a wall; the per-account lockout in the store is the wall. Memory stays bounded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

MAX_KEYS = 100_000


class FailureLimiter:
    def __init__(self, limit: int, window_seconds: float,
                 clock: Callable[[], float]) -> None:
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        """True when `key` had `limit` failures within the window."""
        with self._lock:
            times = self._failures.get(key)
            return times is not None and len(self._prune(times)) >= self._limit

    def record(self, key: str) -> None:
        with self._lock:
            if key not in self._failures and len(self._failures) >= MAX_KEYS:
                self._forget_old()
            self._prune(self._failures.setdefault(key, deque())).append(self._clock())

    def _prune(self, times: deque[float]) -> deque[float]:
        start = self._clock() - self._window
        while times and times[0] <= start:
            times.popleft()
        return times

    def _forget_old(self) -> None:
        """Drop keys without recent failures; if all have some, the oldest half."""
        start = self._clock() - self._window
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= start]:
            del self._failures[key]
        if len(self._failures) >= MAX_KEYS:
            by_age = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in by_age[: len(by_age) // 2]:
                del self._failures[key]
