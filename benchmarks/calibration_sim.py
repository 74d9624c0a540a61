"""The production matcher run on labelled faces: enroll, seed backgrounds, match, count accepts.

Used by eval_calibration.py. Each run builds a fresh in-memory SQLite store: background faces
first (already matched, as after earlier crawls), then the enrolled people (`match_person` seeds
their backgrounds), then every probe face as newly crawled (`match_new_faces` decides). Accepts
are the hits that would alert (bands "likely" and "strong").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kernel.quality import probe_is_poor, probe_quality
from kernel.records import Face, Media, Template
from kernel.records import Person as PersonRecord
from kernel.settings import Settings
from search.background import PersonTemplates
from search.crypto import TemplateCipher
from search.matching import match_new_faces, match_person
from search.sqlite.store import SqliteStore


@dataclass
class Person:
    name: str
    enroll: list[Face]
    genuine: list[Face]
    exclude: set[str] = field(default_factory=set)  # names that are her too (aliases)


@dataclass
class Case:
    persons: list[Person]
    impostors: list[tuple[str, Face]]
    background: list[Face]


@dataclass
class Counts:
    genuine: int = 0
    genuine_accepted: int = 0
    impostor: int = 0
    impostor_accepted: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dict__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def tar(self) -> float:
        return self.genuine_accepted / max(self.genuine, 1)

    @property
    def far(self) -> float:
        return self.impostor_accepted / max(self.impostor, 1)


def _store_faces(store: SqliteStore, faces: list[Face]) -> None:
    for face in faces:
        media = Media(media_id=face.media_id, kind="image", content_type="image/jpeg", size=1)
        store.upsert_media(media)
        store.save_enrichment(media, [face])


def _impostors_of(case: Case, person: Person) -> list[Face]:
    return [f for name, f in case.impostors if name != person.name and name not in person.exclude]


def run_matcher(case: Case, settings: Settings) -> Counts:
    store = SqliteStore(":memory:", TemplateCipher.generate())
    _store_faces(store, case.background)
    store.mark_faces_matched(f.face_id for f in case.background)
    templates = []
    for person in case.persons:
        record = PersonRecord(person_id=person.name, name=person.name, ref=person.name)
        mine = [Template(f"{person.name}-{i}", person.name, f.model_id, f.embedding)
                for i, f in enumerate(person.enroll)]
        store.add_person(record, mine)
        templates += mine
    match_person(store, templates, settings.faces, settings.matching)
    probes = {f.face_id: f for p in case.persons for f in p.genuine}
    probes.update({f.face_id: f for _, f in case.impostors})
    _store_faces(store, list(probes.values()))
    match_new_faces(store, settings.faces, settings.matching)
    accepted = {(h.person_id, h.face_id) for h in store.hits() if h.band in ("likely", "strong")}
    store.close()
    counts = Counts()
    for person in case.persons:
        impostors = _impostors_of(case, person)
        counts.genuine += len(person.genuine)
        counts.genuine_accepted += sum((person.name, f.face_id) in accepted for f in person.genuine)
        counts.impostor += len(impostors)
        counts.impostor_accepted += sum((person.name, f.face_id) in accepted for f in impostors)
    return counts


def global_scores(cases: list[Case], settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Fused scores of genuine and impostor pairs as the global mode decides on them: a poor
    probe's score counts `probe_quality_margin` lower."""
    genuine: list[float] = []
    impostor: list[float] = []
    margin = settings.matching.probe_quality_margin
    for case in cases:
        for person in case.persons:
            persons = PersonTemplates.of([Template(str(i), person.name, f.model_id, f.embedding)
                                          for i, f in enumerate(person.enroll)])
            for faces, out in ((person.genuine, genuine), (_impostors_of(case, person), impostor)):
                if not faces:
                    continue
                fused, _ = persons.scores(np.stack([f.embedding for f in faces]),
                                          settings.matching)
                poor = np.array([probe_is_poor(probe_quality(f), settings.matching)
                                 for f in faces])
                out.extend((fused[:, 0] - margin * poor).tolist())
    return np.array(genuine), np.array(impostor)


def _with(settings: Settings, **matching: object) -> Settings:
    return settings.model_copy(update={"matching": settings.matching.model_copy(update=matching)})


def run_case(title: str, cases: list[Case], settings: Settings, target_fars: tuple[float, ...],
             min_background: int) -> None:
    model_id = cases[0].persons[0].enroll[0].model_id
    in_use = settings.faces.threshold_for(model_id)
    genuine, impostor = global_scores(cases, settings)
    print(f"== {title}: {len(genuine)} genuine pairs, {len(impostor)} impostor pairs, "
          f"background {len(cases[0].background)} faces")
    checked = Counts()
    for case in cases:
        checked.add(run_matcher(case, _with(settings, mode="global")))
    print(f"  global {in_use:.3f} (matcher):  TAR {checked.tar:.3f}  FAR {checked.far:.5f}  "
          f"(curve at {in_use:.3f}: TAR {np.mean(genuine >= in_use):.3f} "
          f"FAR {np.mean(impostor >= in_use):.5f})")
    ordered = np.sort(genuine)[::-1]
    for far in target_fars:
        counts = Counts()
        for case in cases:
            counts.add(run_matcher(case, _with(settings, mode="calibrated", target_far=far,
                                               min_background=min_background)))
        same_tar = float(ordered[max(int(np.ceil(counts.tar * len(ordered))) - 1, 0)])
        global_far = float(np.mean(impostor >= same_tar))
        if counts.far:
            ratio = f"ratio {global_far / counts.far:.2f}"
        else:
            ratio = "no false accepts" + ("" if global_far else " either way")
        print(f"  calibrated target {far:<6g}: TAR {counts.tar:.3f}  FAR {counts.far:.5f} | "
              f"global at the same TAR (t={same_tar:.3f}): FAR {global_far:.5f} | {ratio}")
    print()
