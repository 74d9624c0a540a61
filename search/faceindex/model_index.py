"""One model's faces in memory: blocks in feed order, removed rows, and the scan over them.

Removed faces are first only marked (their seqs listed in `dead`), which keeps a sync at search
time cheap; `compact` rewrites the blocks that hold them so their vectors really go. A scan
reads each block once for all templates: the integer products give estimates, a coarse bound
per block drops almost every face at once, and the exact per-face bound (`quantize`) decides the
rest.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from search.faceindex.blocks import Block, joined
from search.faceindex.quantize import SLACK, QueryCodes, RowCodes

Product = Callable[[np.ndarray, np.ndarray], np.ndarray]


def block_name(first_seq: int) -> str:
    return f"{first_seq:016d}-{secrets.token_hex(4)}.blk"


@dataclass
class ModelIndex:
    model_id: str
    dims: int = 0
    feed_id: str = ""
    cursor: int = 0  # every feed change up to this mark is applied
    generation: str = ""  # random token of the meta this state was read from or written as
    blocks: list[Block] = field(default_factory=list)
    # seqs of removed faces still in `blocks`: sorted, unique
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    crcs: dict[str, int] = field(default_factory=dict)  # of the blocks written, for the meta

    @property
    def live(self) -> int:
        return sum(b.rows for b in self.blocks) - len(self.dead)

    def append(self, seqs: np.ndarray, codes: RowCodes, block_rows: int) -> list[Block]:
        """Add faces (seqs above every indexed one); return the blocks written anew."""
        if not len(seqs):
            return []
        self.dims = self.dims or codes.vectors.shape[1]
        fresh = Block(block_name(int(seqs[0])), seqs.astype(np.int64), codes)
        parts = [fresh]
        if self.blocks and self.blocks[-1].rows < block_rows:
            parts.insert(0, self.blocks.pop())  # the partial tail block grows
        merged = joined("", parts)
        made = [merged.take(slice(start, start + block_rows), block_name(int(merged.seqs[start])))
                for start in range(0, merged.rows, block_rows)]
        self.blocks += made
        return made

    def remove(self, seqs: np.ndarray) -> int:
        """Mark these seqs removed where indexed; how many were."""
        before = len(self.dead)
        found = [self.dead]
        for block in self.blocks:
            positions = np.searchsorted(block.seqs, seqs).clip(0, max(block.rows - 1, 0))
            if block.rows:
                found.append(seqs[block.seqs[positions] == seqs])
        self.dead = np.unique(np.concatenate(found).astype(np.int64))
        return len(self.dead) - before

    def compact(self, fraction: float) -> tuple[list[Block], int]:
        """Rewrite blocks whose removed share reaches `fraction` (any removed row when 0);
        return the blocks written anew and how many rows were purged."""
        made: list[Block] = []
        purged = 0
        kept: list[Block] = []
        for block in self.blocks:
            mask = self._dead_mask(block)
            gone = 0 if mask is None else int(mask.sum())
            if mask is None or gone == 0 or gone < fraction * block.rows:
                kept.append(block)
                continue
            self.dead = np.setdiff1d(self.dead, block.seqs[mask], assume_unique=True)
            purged += gone
            if gone < block.rows:
                rewritten = block.take(~mask, block_name(int(block.seqs[~mask][0])))
                kept.append(rewritten)
                made.append(rewritten)
        self.blocks = kept
        return made, purged

    def _dead_mask(self, block: Block) -> np.ndarray | None:
        if not len(self.dead) or not block.rows:
            return None
        lo = int(np.searchsorted(self.dead, block.seqs[0], side="left"))
        hi = int(np.searchsorted(self.dead, block.seqs[-1], side="right"))
        if lo == hi:
            return None
        mask = np.zeros(block.rows, dtype=bool)
        mask[np.searchsorted(block.seqs, self.dead[lo:hi])] = True  # every dead seq is indexed
        return mask

    def candidates(self, queries: QueryCodes, min_similarity: float,
                   product: Product) -> np.ndarray:
        """Seqs of every live face whose similarity with some query can reach the threshold."""
        found = []
        for block in list(self.blocks):
            codes = block.codes
            estimates = queries.estimates(product(codes.vectors, queries.matrix), codes.scales)
            coarse = (float(codes.errors.max(initial=0)) * float(queries.coded_norms.max())
                      + float(codes.norms.max(initial=0)) * float(queries.residuals.max())
                      + SLACK)
            rows = np.flatnonzero((estimates >= min_similarity - coarse).any(axis=1))
            if len(rows):
                bounds = queries.bounds(codes.errors[rows], codes.norms[rows])
                rows = rows[(estimates[rows] + bounds >= min_similarity).any(axis=1)]
            dead = self._dead_mask(block)
            if dead is not None:
                rows = rows[~dead[rows]]
            found.append(block.seqs[rows])
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def estimates(self, queries: QueryCodes, product: Product) -> Iterator[np.ndarray]:
        """Estimated similarities (live faces, queries), block by block."""
        for block in list(self.blocks):
            codes = block.codes
            estimates = queries.estimates(product(codes.vectors, queries.matrix), codes.scales)
            dead = self._dead_mask(block)
            yield estimates if dead is None else estimates[~dead]
