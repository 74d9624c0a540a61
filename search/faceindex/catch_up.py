"""Bring one model's index in step with the store's face feed, rebuilding it when it cannot be.

A rebuild (from the feed's first mark) happens when the folder has no usable meta or a block
fails to open (deleted, damaged, sealed under another key: `folder`, `blocks`), when the index
was built from another store (feed id), is ahead of the store (a restored backup) or behind
the part of the removal log the store has forgotten, and when, after catching up, it holds
another number of faces than the store does (counted only while no face changed: a count
taken during a write proves nothing). Everything runs under the folder's lock, so
processes sharing it apply each change once.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernel.errors import StoreError
from kernel.ports import FaceFeed
from search.faceindex.blocks import Block
from search.faceindex.folder import IndexFolder
from search.faceindex.model_index import ModelIndex
from search.faceindex.quantize import code_rows

log = logging.getLogger(__name__)
PAGE = 50_000  # faces read from the feed per query
RECOUNTS = 3  # tries to count while the store is being written; then the check waits a search


@dataclass(frozen=True)
class SyncOptions:
    block_rows: int = 131072
    compact_fraction: float = 0.2


def synced(index: ModelIndex, folder: IndexFolder | None, feed: FaceFeed, options: SyncOptions,
           counts: Counter[str], *, compact: bool = False) -> ModelIndex:
    """`index` caught up (or a rebuilt one), written to `folder` when it changed."""
    with folder.locked() if folder is not None else contextlib.nullcontext():
        before = counts.copy()
        index = _loaded(index, folder, counts)
        state = feed.face_feed()
        if index.feed_id and (index.feed_id != state.feed_id or index.cursor > state.mark
                              or (index.blocks and index.cursor < state.trimmed)):
            log.warning("face index of %s is from another store or an older state of it; "
                        "rebuilding", index.model_id)
            index = _fresh(index, counts)
        index.feed_id = state.feed_id
        made = _apply(index, feed, state.mark, options, counts)
        for _ in range(RECOUNTS):
            verdict = _counted(index, feed, state.mark)
            if verdict is not None:
                break
            state = feed.face_feed()  # faces changed meanwhile: catch up and count again
            made += _apply(index, feed, state.mark, options, counts)
        if verdict is False:
            log.warning("face index of %s disagrees with the store's count; rebuilding",
                        index.model_id)
            index = _fresh(index, counts)
            index.feed_id = state.feed_id
            made = _apply(index, feed, state.mark, options, counts)
        rewritten, purged = index.compact(0.0 if compact else options.compact_fraction)
        counts["purged"] += purged
        changed = made or rewritten or counts != before or not index.generation
        if folder is not None and changed:
            _write(index, folder, made + rewritten)
    return index


def _counted(index: ModelIndex, feed: FaceFeed, mark: int) -> bool | None:
    """Whether the index holds as many faces as the store; None when the store changed while
    counting (then the two counts are of different moments and say nothing)."""
    count = feed.face_count(index.model_id)
    if feed.face_feed().mark != mark:
        return None
    return index.live == count


def _fresh(old: ModelIndex, counts: Counter[str]) -> ModelIndex:
    counts["rebuilt"] += 1
    return ModelIndex(old.model_id)


def _apply(index: ModelIndex, feed: FaceFeed, mark: int, options: SyncOptions,
           counts: Counter[str]) -> list[Block]:
    if index.blocks:
        counts["removed"] += index.remove(feed.removed_faces(index.model_id, index.cursor, mark))
        if 2 * len(index.dead) > index.live + len(index.dead):  # mostly gone (a key rotation
            counts["purged"] += len(index.dead)  # rewrites every face): start over
            counts["rebuilt"] += 1
            index.blocks, index.dead, index.cursor = [], index.dead[:0], 0
    made: list[Block] = []
    after = index.cursor
    while True:
        page = feed.added_faces(index.model_id, after, mark, PAGE)
        if not len(page.seqs):
            break
        made += index.append(page.seqs, code_rows(page.embeddings), options.block_rows)
        counts["added"] += len(page.seqs)
        after = int(page.seqs[-1])
        if len(page.seqs) < PAGE:
            break
    index.cursor = mark
    return made


def _loaded(index: ModelIndex, folder: IndexFolder | None, counts: Counter[str]) -> ModelIndex:
    """The state the folder holds now (blocks already in memory are kept)."""
    if folder is None:
        return index
    meta = folder.read_meta()
    if meta is None:
        stale = index.generation or index.blocks or folder.holds_meta()
        return _fresh(index, counts) if stale else index
    if meta["generation"] == index.generation and meta["feed_id"] == index.feed_id:
        return index
    held = {block.name: block for block in index.blocks}
    try:
        blocks = [held.get(b["name"]) or folder.read_block(b["name"], b["rows"], meta["dims"],
                                                           b["crc"]) for b in meta["blocks"]]
    except (StoreError, KeyError, TypeError) as exc:
        log.warning("face index of %s cannot be read (%s); rebuilding", index.model_id, exc)
        return _fresh(index, counts)
    return ModelIndex(index.model_id, meta["dims"], meta["feed_id"], meta["cursor"],
                      meta["generation"], blocks, np.array(meta["dead"], dtype=np.int64),
                      {b["name"]: b["crc"] for b in meta["blocks"]})


def _write(index: ModelIndex, folder: IndexFolder, made: list[Block]) -> None:
    fresh = {block.name for block in made}
    for block in index.blocks:
        if block.name in fresh:
            index.crcs[block.name] = folder.write_block(block)
    index.generation = secrets.token_hex(8)
    meta: dict[str, Any] = {
        "feed_id": index.feed_id, "cursor": index.cursor, "generation": index.generation,
        "dims": index.dims, "blocks": [{"name": b.name, "rows": b.rows, "crc": index.crcs[b.name]}
                                      for b in index.blocks],
        "dead": index.dead.tolist()}
    folder.write_meta(meta)
    folder.sweep({block.name for block in index.blocks})
