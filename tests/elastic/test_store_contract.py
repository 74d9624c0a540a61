"""ElasticStore passes the same Store contract as the embedded SQLite store, on osmem-server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from search.elastic.store import ElasticStore
from tests.contracts.store_contract import StoreContract


class TestElasticStore(StoreContract):
    @pytest.fixture
    def store(self, es_store: ElasticStore) -> Iterator[ElasticStore]:
        yield es_store
