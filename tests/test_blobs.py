"""Blob stores: the shared contract on the local folder and in-memory stores, plus what only the
local folder has (owner-only modes, atomic replace, persistence) and URI registry."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest

from jikimi.registry import open_blob_uri
from search.blobs.local import LocalBlobStore
from search.blobs.memory import MemoryBlobStore
from tests.contracts.blob_contract import BlobStoreContract


class TestLocalBlobs(BlobStoreContract):
    @pytest.fixture
    def blobs(self, tmp_path: Path) -> LocalBlobStore:
        return LocalBlobStore(tmp_path / "blobs")


class TestMemoryBlobs(BlobStoreContract):
    @pytest.fixture
    def blobs(self) -> MemoryBlobStore:
        return MemoryBlobStore(f"test-{uuid.uuid4().hex}")


def test_local_files_and_folders_are_owner_only(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    blobs.put("raw/ab/cd/media.jpg", b"x")
    root = tmp_path / "blobs"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for folder in ("raw", "raw/ab", "raw/ab/cd"):
        assert stat.S_IMODE((root / folder).stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((root / "raw/ab/cd/media.jpg").stat().st_mode) == 0o600


def test_local_blobs_persist_under_the_root(tmp_path: Path) -> None:
    LocalBlobStore(tmp_path / "blobs").put("evidence/1.jpg", b"kept")
    assert (tmp_path / "blobs/evidence/1.jpg").read_bytes() == b"kept"
    again = LocalBlobStore(tmp_path / "blobs")
    assert again.get("evidence/1.jpg") == b"kept"
    assert list(again.keys()) == ["evidence/1.jpg"]


def test_local_failed_write_keeps_old_value_and_leaves_no_temporary(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    blobs.put("k", b"old")
    with pytest.raises(TypeError):
        blobs.put("k", "not bytes")  # type: ignore[arg-type]
    assert blobs.get("k") == b"old"
    assert [p.name for p in (tmp_path / "blobs").iterdir()] == ["k"]


def test_local_uri_is_a_file_uri_of_the_resolved_root(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "x" / ".." / "blobs")
    assert blobs.uri == (tmp_path / "blobs").resolve().as_uri()


def test_wiring_opens_local_and_named_memory_stores(tmp_path: Path) -> None:
    local = open_blob_uri((tmp_path / "blobs").as_uri())
    assert isinstance(local, LocalBlobStore)
    assert local.uri == (tmp_path / "blobs").resolve().as_uri()
    name = f"wired-{uuid.uuid4().hex}"
    first, second = open_blob_uri(f"memory://{name}"), open_blob_uri(f"memory://{name}")
    assert first is second is MemoryBlobStore.named(name)
    assert first.uri == f"memory://{name}"
    first.put("shared", b"1")
    assert second.get("shared") == b"1"
    assert MemoryBlobStore.named(f"other-{name}").exists("shared") is False
