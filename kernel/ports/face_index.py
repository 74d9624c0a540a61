"""The face index port, and the store capability it is kept in step with.

Retroactive matching compares a newly enrolled person's templates with every stored face. A
store that streams and decrypts face by face cannot do that fast at millions of faces, so a
derived index keeps a compact copy of the vectors beside it and scans that instead
(`search.faceindex`). The store stays the source of truth: the index follows the store's
`FaceFeed` (every face added, replaced or removed, in write order, whoever wrote it: enrichment,
retention, erasure, key rotation), can be deleted at any time and is rebuilt from the feed.

A feed numbers changes with one increasing *mark*: each stored face carries the mark of its last
write (its `seq`), and each removal (delete, or an embedding replaced) is logged under its own
mark with the `seq` it removed. Marks are plain counters: the log holds no face id, media id or
vector, so it says nothing about the strangers whose faces retention deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from kernel.ports.stores import FaceSearch
from kernel.records import Face, Template


class FeedState(NamedTuple):
    feed_id: str  # random, per store: an index built from another store is never reused
    mark: int  # the latest change; every change up to it is committed
    trimmed: int  # removals up to this mark were forgotten: an index behind it must rebuild


class FedFaces(NamedTuple):
    seqs: np.ndarray  # int64 (n,), increasing
    embeddings: np.ndarray  # float32 (n, dims)


@runtime_checkable
class FaceFeed(Protocol):
    """Optional MediaStore capability: the changes to stored faces, for a derived index."""

    def face_feed(self) -> FeedState: ...

    def added_faces(self, model_id: str, after: int, upto: int, limit: int) -> FedFaces:
        """Faces of the model whose seq is in (after, upto], by seq, at most `limit`."""

    def removed_faces(self, model_id: str, after: int, upto: int) -> np.ndarray:
        """The seqs (int64) of the model's faces removed or replaced by changes in
        (after, upto]."""

    def face_count(self, model_id: str) -> int: ...

    def faces_at(self, model_id: str, seqs: Sequence[int]) -> list[tuple[int, Face]]:
        """The stored faces of the model that still carry these seqs, as (seq, face)."""

    def forget_removals(self, through: int) -> int:
        """Drop the removal log up to `through` (every index has read it); how many went."""


@runtime_checkable
class IndexedStore(FaceFeed, Protocol):
    """What a face index reads: the feed, and the enrolled templates it may be searched with."""

    def templates(self, model_id: str) -> list[Template]: ...

    def template_models(self) -> list[str]: ...


@runtime_checkable
class FaceIndex(FaceSearch, Protocol):
    """A FaceSearch over a derived copy of the stored faces, kept in step with a `FaceFeed`.

    Like every FaceSearch it only takes enrolled templates and refuses others. `search_faces`
    yields exactly the faces at or above the similarity (candidates are read back from the store
    and re-scored exactly)."""

    def template_scores(self, templates: Sequence[Template]) -> Iterator[np.ndarray]:
        """Approximate similarities of every indexed face of the templates' model with each
        template, block by block as (faces, templates) arrays: for background sketches, which
        need every score but not exact ones (the error bound is in `search.faceindex`)."""

    def sync(self, *, compact: bool = False) -> dict[str, int]:
        """Catch every indexed model up with the feed; with `compact`, also rewrite blocks that
        hold removed faces, so their vectors leave the disk, and trim the feed's removal log.
        Returns counts: models, added, removed, purged, rebuilt."""
