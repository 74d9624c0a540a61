"""The Elasticsearch adapter passes the FaceSearch contract on osmem-server (its exact scan)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.ports import FaceSearch
from kernel.settings import Settings
from search.elastic.store import ElasticStore
from tests.contracts.face_search_contract import FaceSearchContract, OpenSearch


class TestElasticFaceSearch(FaceSearchContract):
    @pytest.fixture
    def store(self, es_store: ElasticStore) -> ElasticStore:
        return es_store

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(data_dir=tmp_path)

    @pytest.fixture
    def open_search(self, es_store: ElasticStore) -> OpenSearch:
        def same() -> FaceSearch:
            return es_store
        return same
