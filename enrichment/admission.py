"""Admit media into an enrichment round while their estimated decode memory fits the ceiling.

One huge image is bounded by `media.max_decode_bytes`; several large ones together are bounded
here: a round takes items in order while the sum of their header-estimated decode costs
(`enrichment.decode_budget`) stays within `media.batch_decode_bytes`, and the rest wait for the
next round, never dropped. A round always takes at least one item, so an item costing more than
the ceiling alone (but within the per-item limit) still runs, on its own. Each item's bytes are
read once: the round carries them to the analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from enrichment.decode_budget import DecodeBudget, estimate_decode_bytes
from kernel.errors import JikimiError, NotFound
from kernel.ports import BlobStore
from kernel.records import Media


@dataclass
class Loaded:
    """One item ready for analysis: its bytes (or why they could not be read) and its cost."""

    media: Media
    data: bytes | None
    error: JikimiError | None
    cost: int  # estimated decode bytes; 0 when unknown (the analysis records the error)


def load_media(
    blobs: BlobStore, budget: DecodeBudget, max_pixels: int
) -> Callable[[Media], Loaded]:
    """A loader reading an item's bytes from `blobs` and estimating its decode cost."""

    def load(media: Media) -> Loaded:
        if not media.blob_key:
            missing = NotFound("no stored bytes for this media "
                               "(already processed or never downloaded)")
            return Loaded(media, None, missing, 0)
        try:
            data = blobs.get(media.blob_key)
        except JikimiError as exc:
            return Loaded(media, None, exc, 0)
        return Loaded(media, data, None,
                      estimate_decode_bytes(data, budget, max_pixels=max_pixels))

    return load


def decode_rounds(media: Iterable[Media], load: Callable[[Media], Loaded],
                  ceiling: int) -> Iterator[list[Loaded]]:
    """Consecutive rounds of loaded items, each within `ceiling` estimated decode bytes."""
    current: list[Loaded] = []
    total = 0
    for item in media:
        loaded = load(item)
        if current and total + loaded.cost > ceiling:
            yield current
            current, total = [], 0
        current.append(loaded)
        total += loaded.cost
    if current:
        yield current
