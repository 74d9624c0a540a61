"""The int8 face index: every model's `ModelIndex`, shared by the searches of one process.

One `Int8FaceIndex` per index folder lives as long as the process (the registry caches it), so
the portal decrypts the blocks once and then only catches up with the store before each search.
Without a folder (an in-memory store) it is built in memory from the store's feed.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path

from kernel.ports import FaceFeed
from search.crypto import TemplateCipher
from search.faceindex.catch_up import SyncOptions, synced
from search.faceindex.folder import META, IndexFolder
from search.faceindex.model_index import ModelIndex
from search.faceindex.scan import IntegerProduct


class Int8FaceIndex:
    def __init__(self, root: Path | None, cipher: TemplateCipher | None,
                 options: SyncOptions | None = None, threads: int = 0) -> None:
        """`cipher` seals the blocks; None keeps them plain (memory-mapped)."""
        self.root = root
        self.cipher = cipher
        self.options = options or SyncOptions()
        self.product = IntegerProduct(threads)
        self._models: dict[str, ModelIndex] = {}
        self._lock = threading.Lock()

    def model(self, feed: FaceFeed, model_id: str, counts: Counter[str] | None = None, *,
              compact: bool = False) -> ModelIndex:
        """The model's index caught up with `feed`: a snapshot, which later syncs leave as it is."""
        with self._lock:
            index = self._models.get(model_id) or ModelIndex(model_id)
            folder = None if self.root is None else IndexFolder(self.root, model_id,
                                                                 self.cipher)
            index = synced(index, folder, feed, self.options,
                           Counter() if counts is None else counts, compact=compact)
            self._models[model_id] = index
            return replace(index, blocks=list(index.blocks))

    def model_ids(self) -> list[str]:
        """Models indexed in memory or in the folder."""
        found = set(self._models)
        if self.root is not None and self.root.is_dir():
            for meta in self.root.glob(f"*/{META}"):
                try:
                    found.add(str(json.loads(meta.read_text(encoding="utf-8"))["model_id"]))
                except (OSError, ValueError, KeyError, TypeError):
                    continue
        return sorted(found)

    def bytes_on_disk(self) -> int:
        if self.root is None or not self.root.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
