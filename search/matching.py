"""Matching: compare faces with the templates of enrolled people — and only those.

There is deliberately no function here that takes an arbitrary face and searches the store: the
only queries are "new faces against all enrolled templates" and "all stored faces against a newly
enrolled person's templates" (retroactive matching). Comparisons happen only between embeddings
of the same model, with that model's own threshold. A hit is recorded per face of a still image
and per face track of a video (listing every matching frame's time, keeping the best frame); an
alert is recorded once per (person, media), ever.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from jikimi.ports import Store
from jikimi.records import Alert, Face, Hit, Template
from jikimi.settings import Settings

BATCH = 4096
Progress = Callable[[str], None]


@dataclass
class MatchReport:
    faces: int = 0
    hits: int = 0
    new_hits: int = 0
    new_alerts: int = 0
    seconds: float = 0.0
    persons: set[str] = field(default_factory=set)


@dataclass
class _TemplateMatrix:
    """All templates of one model stacked for a single matrix product."""

    matrix: np.ndarray  # (n_templates, dims)
    templates: list[Template]

    @classmethod
    def of(cls, templates: list[Template]) -> _TemplateMatrix:
        return cls(np.stack([t.embedding for t in templates]).astype(np.float32), templates)


def match_new_faces(
    store: Store, settings: Settings, progress: Progress | None = None
) -> MatchReport:
    """Compare every not-yet-matched face with all enrolled templates of its model."""
    started = time.monotonic()
    report = MatchReport()
    # Faces of a model nobody is enrolled with stay unmatched: enrollment searches them anyway.
    for model_id in store.template_models():  # each has at least one template
        matrix = _TemplateMatrix.of(store.templates(model_id))
        threshold = settings.faces.threshold_for(model_id)
        for batch in _batched(store.faces(model_id, unmatched_only=True), BATCH):
            _match_batch(store, batch, matrix, threshold, report)
            store.mark_faces_matched(f.face_id for f in batch)
            report.faces += len(batch)
            if progress:
                progress(f"match: {report.faces} faces compared, {report.hits} hits")
    report.seconds = time.monotonic() - started
    return report


def match_person(store: Store, templates: list[Template], settings: Settings) -> MatchReport:
    """Retroactive matching: search all stored faces for a newly enrolled person's templates."""
    started = time.monotonic()
    report = MatchReport()
    by_model: dict[str, list[Template]] = defaultdict(list)
    for template in templates:
        by_model[template.model_id].append(template)
    for model_id, templates in by_model.items():
        matrix = _TemplateMatrix.of(templates)
        threshold = settings.faces.threshold_for(model_id)
        for batch in _batched(store.faces(model_id), BATCH):
            _match_batch(store, batch, matrix, threshold, report)
            report.faces += len(batch)
    report.seconds = time.monotonic() - started
    return report


def _match_batch(
    store: Store,
    faces: list[Face],
    templates: _TemplateMatrix,
    threshold: float,
    report: MatchReport,
) -> None:
    embeddings = np.stack([f.embedding for f in faces]).astype(np.float32)
    similarity = embeddings @ templates.matrix.T  # cosine: both sides are L2-normalised
    face_idx, tmpl_idx = np.nonzero(similarity >= threshold)
    best: dict[tuple[int, str], tuple[float, Template]] = {}
    for fi, ti in zip(face_idx.tolist(), tmpl_idx.tolist(), strict=True):
        template = templates.templates[ti]
        key = (fi, template.person_id)
        score = float(similarity[fi, ti])
        if key not in best or score > best[key][0]:
            best[key] = (score, template)
    for (fi, person_id), (score, template) in sorted(best.items(), key=lambda kv: kv[0]):
        face = faces[fi]
        hit = Hit(
            person_id=person_id, face_id=face.face_id, media_id=face.media_id,
            model_id=face.model_id, similarity=round(score, 6), threshold=threshold,
            template_id=template.template_id, track=face.track,
            frame_times=[] if face.frame_ts is None else [face.frame_ts],
        )
        report.hits += 1
        report.persons.add(person_id)
        if store.upsert_hit(hit):
            report.new_hits += 1
        if _record_alert(store, hit):
            report.new_alerts += 1


def _record_alert(store: Store, hit: Hit) -> bool:
    sightings = store.sightings(hit.media_id)
    first = min(sightings, key=lambda s: s.first_seen) if sightings else None
    alert = Alert(
        person_id=hit.person_id, media_id=hit.media_id, similarity=hit.similarity,
        model_id=hit.model_id, media_url=first.media_url if first else "",
        page_url=first.page_url if first else "",
    )
    return store.add_alert(alert)


def _batched(items: Iterable[Face], size: int) -> Iterator[list[Face]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
