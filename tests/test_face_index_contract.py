"""The int8 face index over the SQLite store passes the FaceSearch contract, sealed and plain.

Each `open_search` builds a new index object over the same folder, as a new process would, so
the contract also checks what the folder keeps between processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jikimi import registry
from kernel.ports import FaceSearch, Store
from kernel.settings import Settings
from search.faceindex.face_search import IndexedFaceSearch
from search.faceindex.index import Int8FaceIndex
from tests.contracts.face_search_contract import FaceSearchContract, OpenSearch


class Int8Index(FaceSearchContract):
    at_rest = "sealed"

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(data_dir=tmp_path, index={"at_rest": self.at_rest})

    @pytest.fixture
    def store(self, settings: Settings) -> Iterator[Store]:
        store = registry.open_store(settings)
        yield store
        store.close()

    @pytest.fixture
    def open_search(self, settings: Settings, store: Store) -> OpenSearch:
        cipher = registry.open_cipher(settings) if self.at_rest == "sealed" else None

        def fresh() -> FaceSearch:
            return IndexedFaceSearch(Int8FaceIndex(settings.face_index_dir, cipher), store)
        return fresh

    def damage_index(self, settings: Settings) -> None:
        folder = settings.face_index_dir
        (block,) = folder.glob("*/*.blk")
        block.write_bytes(block.read_bytes()[:-7] + b"damaged")


class TestSealed(Int8Index):
    at_rest = "sealed"


class TestPlain(Int8Index):
    at_rest = "plain"


class TestDeletedFolder(Int8Index):
    def damage_index(self, settings: Settings) -> None:
        for path in sorted(settings.face_index_dir.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
