"""Matching: compare faces with the templates of enrolled people — and only those.

There is deliberately no function here that takes an arbitrary face and searches the store: the
only queries are "new faces against all enrolled templates" and "all stored faces against a newly
enrolled person's templates" (retroactive matching). Comparisons happen only between embeddings
of the same model. A person's templates are fused into one score per face (best-of or top-k
mean); the decision is hers (search/calibration.py): her own threshold where her background is
large enough (`matching.mode = "calibrated"`), the model's threshold otherwise, raised for poor
probes (kernel/quality.py). A hit is recorded per face of a still image and per face track of a
video (listing every matching frame's time, keeping the best frame), with its band. Every hit
goes to operator review; an alert is recorded here only for hits in the bands the deployment
lets through unreviewed (`alert_bands`: none by default — a person hears of a hit once an operator
confirms it, `jikimi.review`) and never for an "uncertain" one. Either way an alert exists once
per (person, media), ever.
Matching reads two settings sections, passed on their own rather than the whole `Settings`: the
face section for each model's threshold and the matching section for everything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import numpy as np

from kernel import chaos
from kernel.ports import FaceIndex, FaceSearch, Store
from kernel.quality import probe_is_poor, probe_quality
from kernel.records import Alert, Face, Hit, Template
from kernel.settings import FaceSettings, MatchingSettings
from search.background import Background, PersonTemplates, batched, embeddings_of
from search.calibration import PersonThreshold, decide

Progress = Callable[[str], None]


@dataclass
class MatchReport:
    faces: int = 0
    hits: int = 0
    new_hits: int = 0
    new_alerts: int = 0
    uncertain: int = 0  # hits in the "uncertain" band (included in `hits`)
    to_review: int = 0  # hits that alerted nobody and wait for an operator (included in `hits`)
    seconds: float = 0.0
    persons: set[str] = field(default_factory=set)
    media_ids: set[str] = field(default_factory=set)  # media whose faces were compared
    review_ids: set[str] = field(default_factory=set)  # the hits counted in `to_review`


def match_new_faces(
    store: Store, faces: FaceSettings, matching: MatchingSettings,
    progress: Progress | None = None, *, alert_bands: Collection[str] = (),
) -> MatchReport:
    """Compare every not-yet-matched face with all enrolled templates of its model. Hits in
    `alert_bands` also record an alert at once; all others wait for review."""
    started = time.monotonic()
    report = MatchReport()
    # Faces of a model nobody is enrolled with stay unmatched: enrollment searches them anyway.
    for model_id in store.template_models():  # each has at least one template
        persons = PersonTemplates.of(store.templates(model_id))
        global_threshold = faces.threshold_for(model_id)
        background = Background.open(store, persons, model_id, global_threshold, matching)
        for batch in batched(store.faces(model_id, unmatched_only=True)):
            fused, best = persons.scores(embeddings_of(batch), matching)
            thresholds = background.thresholds(global_threshold)
            _decide_batch(store, batch, persons, fused, best, thresholds, matching, report,
                          alert_bands)
            chaos.point("match.decided")
            store.mark_faces_matched(f.face_id for f in batch)
            chaos.point("match.marked")
            report.media_ids.update(f.media_id for f in batch)
            background.update(fused)
            background.save()
            report.faces += len(batch)
            if progress:
                progress(f"match: {report.faces} faces compared, {report.hits} hits")
    report.seconds = time.monotonic() - started
    return report


def match_person(
    store: Store, templates: list[Template], faces: FaceSettings, matching: MatchingSettings,
    face_search: FaceSearch | None = None, *, alert_bands: Collection[str] = (),
) -> MatchReport:
    """Retroactive matching for newly enrolled people: seed each one's background from every
    stored face of the model, then search those faces with the resulting thresholds.

    `face_search` (chosen by `jikimi.registry.open_face_search`) narrows the faces decided on;
    without it every stored face of the model is decided on. A face index also seeds the
    backgrounds (calibrated mode) from its estimates instead of streaming every face.
    `alert_bands` as for :func:`match_new_faces`."""
    started = time.monotonic()
    report = MatchReport()
    for model_id in sorted({t.model_id for t in templates}):
        persons = PersonTemplates.of([t for t in templates if t.model_id == model_id])
        global_threshold = faces.threshold_for(model_id)
        index = face_search if isinstance(face_search, FaceIndex) else None
        background = Background.open(store, persons, model_id, global_threshold, matching,
                                     reseed=True, index=index)
        thresholds = background.thresholds(global_threshold)
        floor = min(t.review_floor for t in thresholds) - matching.review_margin
        candidates = _candidates(store, face_search, model_id, persons.templates, floor)
        for batch in batched(candidates):
            fused, best = persons.scores(embeddings_of(batch), matching)
            _decide_batch(store, batch, persons, fused, best, thresholds, matching, report,
                          alert_bands)
            report.faces += len(batch)
    report.seconds = time.monotonic() - started
    return report


def _candidates(
    store: Store, face_search: FaceSearch | None, model_id: str, templates: list[Template],
    floor: float,
) -> Iterable[Face]:
    """The faces retroactive matching decides on, in face id order: every stored face of the
    model, or — with a face search (the int8 index, Elasticsearch) — those
    whose similarity to some template reaches `floor`. A fused score never exceeds the person's
    best template similarity, so the decisions, hits and alerts are the same either way."""
    if face_search is None:
        return store.faces(model_id)
    found = {face.face_id: face for face, _, _ in face_search.search_faces(templates, floor)}
    return [found[face_id] for face_id in sorted(found)]


def _decide_batch(
    store: Store,
    faces: list[Face],
    persons: PersonTemplates,
    fused: np.ndarray,
    best: np.ndarray,
    thresholds: list[PersonThreshold],
    matching: MatchingSettings,
    report: MatchReport,
    alert_bands: Collection[str],
) -> None:
    floors = np.array([t.review_floor - matching.review_margin for t in thresholds])
    face_idx, person_idx = np.nonzero(fused >= floors[np.newaxis, :])
    alerted: set[tuple[str, str]] = set()  # one alert per (person, media): the frames of a video
    for fi, pi in zip(face_idx.tolist(), person_idx.tolist(), strict=True):
        face = faces[fi]
        similarity = float(fused[fi, pi])
        poor = probe_is_poor(probe_quality(face), matching)
        decision = decide(similarity, thresholds[pi], poor, matching)
        if decision is None:
            continue
        template = persons.templates[int(best[fi, pi])]
        hit = Hit(
            person_id=template.person_id, face_id=face.face_id, media_id=face.media_id,
            model_id=face.model_id, similarity=round(similarity, 6),
            threshold=thresholds[pi].global_threshold, template_id=template.template_id,
            track=face.track, frame_times=[] if face.frame_ts is None else [face.frame_ts],
            score=decision.score, person_threshold=decision.person_threshold,
            band=decision.band,
        )
        report.hits += 1
        report.persons.add(hit.person_id)
        if store.upsert_hit(hit):
            report.new_hits += 1
        chaos.point("match.hit_saved")
        if hit.band == "uncertain":
            report.uncertain += 1
        if hit.band == "uncertain" or hit.band not in alert_bands:
            report.to_review += 1
            report.review_ids.add(hit.hit_id)
        elif (hit.person_id, hit.media_id) not in alerted:
            alerted.add((hit.person_id, hit.media_id))  # later frames would only be refused
            if record_alert(store, hit):
                report.new_alerts += 1
            chaos.point("match.alert_recorded")


def record_alert(store: Store, hit: Hit) -> bool:
    """The alert for `hit`'s (person, media), pointing at where the media was first seen; False
    when that pair already has one (it never gets a second)."""
    sightings = store.sightings(hit.media_id)
    first = min(sightings, key=lambda s: s.first_seen) if sightings else None
    alert = Alert(
        person_id=hit.person_id, media_id=hit.media_id, similarity=hit.similarity,
        model_id=hit.model_id, media_url=first.media_url if first else "",
        page_url=first.page_url if first else "", score=hit.score,
        person_threshold=hit.person_threshold, band=hit.band,
    )
    return store.add_alert(alert)
