"""Shared pieces of the account tests: a clock the test moves, cheap argon2 settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kernel.settings import AccountSettings

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
CLI = "cli:tester"


def fast_settings(**overrides: Any) -> AccountSettings:
    """argon2 at its cheapest (tests hash hundreds of times on two cores)."""
    cheap = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}
    return AccountSettings(**(cheap | overrides))


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
