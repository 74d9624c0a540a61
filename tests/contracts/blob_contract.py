"""The behaviour every `kernel.ports.BlobStore` adapter must show, run unchanged on each adapter.

Subclass and provide an empty store as the `blobs` fixture, e.g.

    class TestLocalBlobs(BlobStoreContract):
        @pytest.fixture
        def blobs(self, tmp_path):
            return LocalBlobStore(tmp_path / "blobs")
"""

from __future__ import annotations

import os

import pytest

from kernel.errors import JikimiError, NotFound
from kernel.ports import BlobStore

BAD_KEYS = ["", "/abs/key", "../escape", "a/../../b", "a//b", "a/", "./a", "a/./b", "a\\b",
            ".hidden", "a/.tmp-x", "nul\x00byte", "line\nbreak"]


class BlobStoreContract:
    def test_implements_the_protocol(self, blobs: BlobStore) -> None:
        assert isinstance(blobs, BlobStore)
        assert "://" in blobs.uri

    def test_round_trip_and_overwrite(self, blobs: BlobStore) -> None:
        assert not blobs.exists("media/ab/abc.jpg")
        blobs.put("media/ab/abc.jpg", b"first")
        assert blobs.exists("media/ab/abc.jpg")
        assert blobs.get("media/ab/abc.jpg") == b"first"
        blobs.put("media/ab/abc.jpg", b"second, longer")
        assert blobs.get("media/ab/abc.jpg") == b"second, longer"
        blobs.put("media/ab/abc.jpg", b"3")
        assert blobs.get("media/ab/abc.jpg") == b"3"

    @pytest.mark.parametrize("size", [0, 1, 255, 20 * 1024 * 1024])
    def test_binary_data_of_any_size(self, blobs: BlobStore, size: int) -> None:
        data = os.urandom(size)
        blobs.put(f"bin/{size}", data)
        assert blobs.get(f"bin/{size}") == data
        assert blobs.exists(f"bin/{size}")

    def test_every_byte_value_survives(self, blobs: BlobStore) -> None:
        data = bytes(range(256)) * 4
        blobs.put("bytes", data)
        assert blobs.get("bytes") == data

    def test_put_accepts_bytearray_and_copies_it(self, blobs: BlobStore) -> None:
        data = bytearray(b"mutable")
        blobs.put("ba", data)  # type: ignore[arg-type]
        data[0:1] = b"X"
        assert blobs.get("ba") == b"mutable"

    def test_missing_key_is_not_found(self, blobs: BlobStore) -> None:
        with pytest.raises(NotFound):
            blobs.get("no/such/key")
        blobs.put("dir/file", b"x")
        with pytest.raises(NotFound):
            blobs.get("dir")  # a prefix is not a blob
        assert not blobs.exists("dir")

    def test_delete_is_idempotent(self, blobs: BlobStore) -> None:
        blobs.put("gone/soon", b"x")
        blobs.put("gone/stays", b"y")
        blobs.delete("gone/soon")
        blobs.delete("gone/soon")
        blobs.delete("never/there")
        assert not blobs.exists("gone/soon")
        with pytest.raises(NotFound):
            blobs.get("gone/soon")
        assert blobs.get("gone/stays") == b"y"

    def test_keys_by_prefix_sorted(self, blobs: BlobStore) -> None:
        names = ["raw/b/2", "raw/a/1", "raw/a/10", "raw-other", "evidence/x", "raw/a-z"]
        for name in names:
            blobs.put(name, name.encode())
        assert list(blobs.keys()) == sorted(names)
        assert list(blobs.keys("raw/")) == ["raw/a-z", "raw/a/1", "raw/a/10", "raw/b/2"]
        assert list(blobs.keys("raw/a")) == ["raw/a-z", "raw/a/1", "raw/a/10"]
        assert list(blobs.keys("raw/a/1")) == ["raw/a/1", "raw/a/10"]
        assert list(blobs.keys("raw")) == ["raw-other", "raw/a-z", "raw/a/1", "raw/a/10",
                                           "raw/b/2"]
        assert list(blobs.keys("nothing/")) == []
        assert list(blobs.keys("../")) == []

    def test_keys_after_delete(self, blobs: BlobStore) -> None:
        blobs.put("k/1", b"1")
        blobs.put("k/2", b"2")
        blobs.delete("k/1")
        assert list(blobs.keys("k/")) == ["k/2"]

    @pytest.mark.parametrize("key", BAD_KEYS)
    def test_bad_keys_are_refused(self, blobs: BlobStore, key: str) -> None:
        with pytest.raises(JikimiError):
            blobs.put(key, b"x")
        with pytest.raises(JikimiError):
            blobs.get(key)
        with pytest.raises(JikimiError):
            blobs.delete(key)
        with pytest.raises(JikimiError):
            blobs.exists(key)
        assert list(blobs.keys()) == []
