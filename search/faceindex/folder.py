"""One model's index folder: `meta.json` naming the live blocks, the block files, a lock file.

A change writes its new block files first, then replaces `meta.json` (temporary file + rename),
then deletes the blocks no longer named; a crash at any point leaves the previous or the next
meta with all its blocks, and files no meta names are swept on the next write. Processes sharing
the folder (the portal, the CLI, the scheduler) take an exclusive `flock` to change it; readers
compare the meta's `generation` with what they hold and reload only blocks they lack (names are
never reused). The meta holds counts, marks and removed seqs, no vector.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from search.crypto import TemplateCipher
from search.faceindex.blocks import Block, read_block, write_atomically, write_block

META = "meta.json"
LOCK = "lock"
VERSION = 1
FIELDS = {"feed_id": str, "cursor": int, "generation": str, "dims": int, "blocks": list,
          "dead": list}


def model_folder(root: Path, model_id: str) -> Path:
    """A readable, collision-free folder name for a model id of any characters."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)[:60]
    return root / f"{slug}-{hashlib.sha256(model_id.encode()).hexdigest()[:8]}"


class IndexFolder:
    def __init__(self, root: Path, model_id: str, cipher: TemplateCipher | None) -> None:
        self.path = model_folder(root, model_id)
        self.model_id = model_id
        self.cipher = cipher  # None: plain blocks

    @property
    def at_rest(self) -> str:
        return "plain" if self.cipher is None else "sealed"

    @property
    def key_id(self) -> str | None:
        return None if self.cipher is None else self.cipher.block_key_id

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def read_meta(self) -> dict[str, Any] | None:
        """The meta, or None when missing, unreadable, of another version or another at-rest
        mode or key (each means: rebuild)."""
        try:
            meta = json.loads((self.path / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("version") != VERSION:
            return None
        if (meta.get("model_id"), meta.get("at_rest"), meta.get("key_id")) != (
                self.model_id, self.at_rest, self.key_id):
            return None
        if not all(isinstance(meta.get(key), kind) for key, kind in FIELDS.items()):
            return None
        return meta

    def holds_meta(self) -> bool:
        return (self.path / META).exists()

    def write_meta(self, meta: dict[str, Any]) -> None:
        meta = meta | {"version": VERSION, "model_id": self.model_id, "at_rest": self.at_rest,
                       "key_id": self.key_id}
        write_atomically(self.path / META, json.dumps(meta, separators=(",", ":")).encode())

    def write_block(self, block: Block) -> int:
        """Write it; return its CRC-32 for the meta."""
        return write_block(self.path, self.model_id, block, self.cipher)

    def read_block(self, name: str, rows: int, dims: int, crc: int) -> Block:
        return read_block(self.path, self.model_id, name, rows, dims, self.cipher, crc)

    def sweep(self, keep: set[str]) -> int:
        """Delete block and temporary files that `keep` does not name; how many went."""
        gone = 0
        for path in self.path.iterdir():
            if path.name in (META, LOCK) or path.name in keep:
                continue
            path.unlink(missing_ok=True)
            gone += 1
        return gone
