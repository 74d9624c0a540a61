"""Fixtures of the account tests: a clock the test moves and an `Accounts` on an in-memory
SQLite store with cheap argon2 settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jikimi.accounts import Accounts
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.accounts.helpers import FakeClock, fast_settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    opened = SqliteStore(":memory:", TemplateCipher.generate())
    yield opened
    opened.close()


@pytest.fixture
def accounts(store: SqliteStore, clock: FakeClock) -> Accounts:
    return Accounts(store, fast_settings(), clock=clock)
