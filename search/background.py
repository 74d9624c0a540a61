"""Each enrolled person's background: her fused scores against the faces already in the store.

The background is made only of embeddings the store already holds (no image of anyone is kept or
read) and only of comparisons with the person's own enrollment templates. In calibrated mode it is
seeded from every stored face when she enrolls (or when her record is missing), then grows with
every batch of newly crawled faces, and is saved through the Store port (`save_calibration`) as a
`ScoreSketch`. In global mode nothing is seeded — a seed is one pass over every stored face, which
would make each enrollment as slow as a full scan even where kNN finds her hits quickly — but
sketches that already exist keep growing, so switching back to calibrated finds them current and
seeds only the people who have none.
With a face index (`kernel.ports.FaceIndex`) the seed reads the index's int8 estimates instead
of every stored face: each is within the index's error bound of the exact score (about 0.0035
at most on 128-d faces, 0.0065 guaranteed), far below the spread of a background a threshold is
read from.

Faces scoring at or above the highest threshold she can get (global + `max_raise`) are kept out
of it: they are probably her (a deepfake is exactly what jikimi looks for), and one of them in a
background of 10,000 would move a 1e-4 threshold onto itself. Cutting lower would truncate the
very tail her threshold is read from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from kernel.errors import NotFound
from kernel.ports import FaceIndex, Store
from kernel.records import Face, Template
from kernel.settings import MatchingSettings
from search.calibration import PersonThreshold, ScoreSketch, fuse, person_threshold

BATCH = 4096


def batched(items: Iterable[Face], size: int = BATCH) -> Iterator[list[Face]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def embeddings_of(faces: list[Face]) -> np.ndarray:
    return np.stack([f.embedding for f in faces]).astype(np.float32)


@dataclass
class PersonTemplates:
    """One model's templates grouped by person (sorted ids), stacked for one matrix product."""

    matrix: np.ndarray  # (n_templates, dims)
    templates: list[Template]
    persons: list[str]
    columns: list[np.ndarray]  # per person: her rows in `matrix`

    @classmethod
    def of(cls, templates: list[Template]) -> PersonTemplates:
        ordered = sorted(templates, key=lambda t: (t.person_id, t.template_id))
        persons = sorted({t.person_id for t in ordered})
        columns = [np.array([i for i, t in enumerate(ordered) if t.person_id == p])
                   for p in persons]
        matrix = np.stack([t.embedding for t in ordered]).astype(np.float32)
        return cls(matrix, ordered, persons, columns)

    def scores(
        self, embeddings: np.ndarray, settings: MatchingSettings
    ) -> tuple[np.ndarray, np.ndarray]:
        """(faces, persons) fused similarity, and the index of each pair's best template."""
        # one matrix product per batch; cosine: both sides are L2-normalised
        return self.fused(embeddings @ self.matrix.T, settings)

    def fused(
        self, similarity: np.ndarray, settings: MatchingSettings
    ) -> tuple[np.ndarray, np.ndarray]:
        """`scores` from a (faces, templates) similarity matrix in `templates` order."""
        fused = np.empty((len(similarity), len(self.persons)), dtype=np.float32)
        best = np.empty((len(similarity), len(self.persons)), dtype=np.int64)
        for p, cols in enumerate(self.columns):
            mine = similarity[:, cols]
            fused[:, p] = fuse(mine, settings.fusion, settings.fusion_k)
            best[:, p] = cols[mine.argmax(axis=1)]
        return fused, best


@dataclass
class Background:
    """The sketches of one model's enrolled people, kept in step with the store."""

    store: Store
    model_id: str
    persons: PersonTemplates
    settings: MatchingSettings
    exclude_above: float
    index: FaceIndex | None = None  # seeds from its approximate scores instead of every face
    sketches: dict[str, ScoreSketch] = field(default_factory=dict)
    seeded_now: set[str] = field(default_factory=set)  # already hold this run's faces

    @classmethod
    def open(
        cls, store: Store, persons: PersonTemplates, model_id: str, global_threshold: float,
        settings: MatchingSettings, *, reseed: bool = False, index: FaceIndex | None = None,
    ) -> Background:
        """Load every person's sketch; in calibrated mode, seed (one pass over stored faces, or
        over `index`) those missing, or all of them with `reseed`."""
        background = cls(store, model_id, persons, settings,
                         global_threshold + settings.max_raise, index)
        calibrated = settings.mode == "calibrated"
        reseed = reseed and calibrated
        missing = []
        for person_id in persons.persons:
            data = None if reseed else store.load_calibration(person_id, model_id)
            if data is None:
                missing.append(person_id)
            else:
                background.sketches[person_id] = ScoreSketch.from_bytes(data)
        if missing and calibrated:
            background._seed(missing)
        return background

    def _seed(self, person_ids: list[str]) -> None:
        index = [self.persons.persons.index(p) for p in person_ids]
        fresh = {p: ScoreSketch() for p in person_ids}
        for similarity in self._similarities():
            fused, _ = self.persons.fused(similarity, self.settings)
            for p, person_id in zip(index, person_ids, strict=True):
                self._add(fresh[person_id], fused[:, p])
        self.sketches.update(fresh)
        self.seeded_now.update(person_ids)
        self.save(person_ids)

    def _similarities(self) -> Iterator[np.ndarray]:
        """(faces, templates) similarities of every stored face of the model, in batches."""
        if self.index is not None:
            yield from self.index.template_scores(self.persons.templates)
            return
        for batch in batched(self.store.faces(self.model_id)):
            yield embeddings_of(batch) @ self.persons.matrix.T

    def _add(self, sketch: ScoreSketch, scores: np.ndarray) -> None:
        sketch.add(scores[scores < self.exclude_above])

    def thresholds(self, global_threshold: float) -> list[PersonThreshold]:
        return [person_threshold(self.sketches.get(p), global_threshold, self.settings)
                for p in self.persons.persons]

    def update(self, fused: np.ndarray) -> None:
        """Add a batch of new faces' fused scores (faces, persons) to every existing sketch
        (everyone has one in calibrated mode, where `open` seeds the missing)."""
        for p, person_id in enumerate(self.persons.persons):
            if person_id not in self.seeded_now and person_id in self.sketches:
                self._add(self.sketches[person_id], fused[:, p])

    def save(self, person_ids: list[str] | None = None) -> None:
        for person_id in self.persons.persons if person_ids is None else person_ids:
            if person_id not in self.sketches:
                continue
            try:
                self.store.save_calibration(person_id, self.model_id,
                                            self.sketches[person_id].to_bytes())
            except NotFound:  # forgotten while this run was matching: nothing to keep
                continue
