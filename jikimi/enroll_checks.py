"""Checks across an enrollment's photos: one person in all of them, and not already enrolled.

**Same person.** Earlier testers enrolled photos of two people under one name, and the system
then alerted on both. Every pair of usable photos of one enrollment must reach the model's
threshold (`faces.threshold_for(model)`, the similarity at which matching calls two faces one
person). One pair below it refuses the whole enrollment and names the pairs: the system cannot
tell which photo is hers, the operator can.

**Already enrolled.** The same photo enrolled twice made two persons, and someone enrolling
another person's face under their own contacts would receive her alerts. So the new templates
are compared with the enrolled templates of every other person (only templates of people who
enrolled, never crawled faces: this is not a face search) at the same threshold. A likely match
is flagged to the operator with the other person's pseudonymous ref and case, never her name;
the message meant for the person enrolling says only that an operator will check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jikimi.enroll_photos import PhotoVerdict
from kernel.ports import Store
from kernel.records import Template


@dataclass
class Disagreement:
    first: str  # photo labels
    second: str
    similarity: float


@dataclass
class Duplicate:
    """A new photo that looks like someone already enrolled (operator-facing)."""

    photo: str
    person_id: str
    ref: str | None
    case_id: str | None
    similarity: float

    def as_dict(self) -> dict[str, object]:
        return {"photo": self.photo, "person_id": self.person_id, "ref": self.ref,
                "case_id": self.case_id, "similarity": round(self.similarity, 4)}


def disagreements(verdicts: list[PhotoVerdict], threshold: float) -> list[Disagreement]:
    """Pairs of usable photos whose templates are less similar than `threshold`."""
    usable = [(v.photo, v.template) for v in verdicts if v.template is not None]
    found = []
    for i, (first, a) in enumerate(usable):
        for second, b in usable[i + 1:]:
            similarity = _cosine(a, b)
            if similarity < threshold:
                found.append(Disagreement(first, second, similarity))
    return found


def mark_disagreeing(verdicts: list[PhotoVerdict], pairs: list[Disagreement],
                     threshold: float) -> None:
    """Turn the verdict of every photo in a disagreeing pair into "disagrees", naming the
    photos it disagrees with; its template is dropped."""
    for verdict in verdicts:
        others = [p.second if p.first == verdict.photo else p.first for p in pairs
                  if verdict.photo in (p.first, p.second)]
        if not others:
            continue
        best = max(p.similarity for p in pairs if verdict.photo in (p.first, p.second))
        names = ", ".join(others)
        verdict.code, verdict.template = "disagrees", None
        verdict.en = (f"{verdict.photo}: does not look like the same person as {names} "
                      f"(similarity {best:.2f}, needs {threshold:.2f}); enroll photos of one "
                      "person only, or leave out the photo that is not her")
        verdict.ko = (f"{verdict.photo}: {names}와(과) 같은 사람으로 보이지 않습니다. 한 사람의 "
                      "사진만 등록하거나, 본인이 아닌 사진을 빼 주세요")


def duplicates(store: Store, templates: list[Template], threshold: float,
               labels: dict[str, str]) -> list[Duplicate]:
    """Enrolled people (other than the templates' own) whose templates reach `threshold` with
    one of `templates`: one entry per (photo, person), best similarity, highest first.
    `labels` maps template ids to photo labels."""
    if not templates:
        return []
    own = {t.person_id for t in templates}
    model = templates[0].model_id
    enrolled = [t for t in store.templates(model) if t.person_id not in own]
    if not enrolled:
        return []
    matrix = np.stack([t.embedding for t in enrolled]).astype(np.float32)
    best: dict[tuple[str, str], float] = {}
    for template in templates:
        scores = matrix @ np.asarray(template.embedding, dtype=np.float32)
        for index in np.flatnonzero(scores >= threshold):
            key = (labels[template.template_id], enrolled[index].person_id)
            best[key] = max(best.get(key, -1.0), float(scores[index]))
    found = []
    for (photo, person_id), similarity in best.items():
        person = store.get_person(person_id)
        case = store.case_of_person(person_id)
        found.append(Duplicate(photo, person_id, person.ref if person else None,
                               case.case_id if case else None, similarity))
    return sorted(found, key=lambda d: (-d.similarity, d.photo, d.person_id))


def _cosine(a: Template | None, b: Template | None) -> float:
    assert a is not None and b is not None
    x = np.asarray(a.embedding, dtype=np.float64)
    y = np.asarray(b.embedding, dtype=np.float64)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))
