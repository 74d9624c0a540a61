"""Re-uploads: media an operator already confirmed, found again, is confirmed by its family.

A confirmed image re-encoded and uploaded elsewhere, or a confirmed video cut or re-encoded, is
the same harm at a new URL: waiting for review again would only delay the takedown. Right after
matching (`jikimi.flow.match_stage`, which the embedded run and the matching DAG both call), each
freshly matched media item is compared with the media of confirmed hits:

- the same SHA-256 is the same media: nothing is needed, since its new sighting already joins
  the next batch (`build_batch` walks every sighting of confirmed media);
- an image whose PDQ is within `enrichment.hashes.PDQ_MATCH_DISTANCE` (31) of a confirmed
  image's (both hashes of usable quality), or a video in a confirmed video's vPDQ family
  (`media.family_id`, set by enrichment), is a re-upload of it.

For each person with a confirmed hit on the known item, the new media gets a hit confirmed by
`kernel.takedown.FAMILY_REVIEWER` ("re-upload of <known media id>"), on the new media's face
most similar to her templates; an image also gets `family_id` = the known family, so its
takedown lines say `origin="family", family_of=…`. A hit is per face: media with no detected
face of the known hit's model gets no hit (it did not reach matching at all); an operator
decision already recorded for her on the new media is never overridden.
No alert is recorded: she was told about this media when the operator confirmed it, and an
alert is only ever recorded by matching (alert bands) or an operator's confirmation
(`jikimi.review.decide`). Each family confirmation is audited (`hit.family_confirmed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from enrichment.hashes import PDQ_MATCH_DISTANCE, PDQ_MIN_QUALITY, pdq_distance
from kernel.ports import Store
from kernel.records import CONFIRMED_STATES, AuditEvent, Face, Hit, Media, utcnow
from kernel.takedown import FAMILY_REVIEWER

REUPLOAD_NOTE = "re-upload of {known}"


@dataclass(frozen=True)
class Known:
    """Media with confirmed hits, and those hits."""

    media: Media
    hits: tuple[Hit, ...]

    @property
    def family(self) -> str:
        return self.media.family_id or self.media.media_id


def confirm_reuploads(store: Store, media_ids: Iterable[str], actor: str = "jikimi"
                      ) -> list[Hit]:
    """Confirm-by-family hits for those of `media_ids` that re-upload confirmed media (see
    the module docstring); returns the hits confirmed now. Idempotent."""
    wanted = [m for m in (store.get_media(i) for i in dict.fromkeys(media_ids))
              if m is not None and m.status == "enriched"]
    if not wanted:
        return []
    known = _known_media(store)
    found = {m.media_id: k for m in wanted
             if m.media_id not in known and (k := _reupload_of(m, known)) is not None}
    if not found:
        return []
    faces = _faces_of(store, set(found))
    hits_on = _hits_by_media(store, set(found))
    confirmed: list[Hit] = []
    for media_id, of in found.items():
        media = next(m for m in wanted if m.media_id == media_id)
        made = _confirm_one(store, media, of, faces.get(media_id, []),
                            hits_on.get(media_id, []), actor)
        if made and media.duration is None and media.family_id != of.family:
            store.save_enrichment(replace(media, family_id=of.family), [])
        confirmed += made
    return confirmed


def _known_media(store: Store) -> dict[str, Known]:
    by_media: dict[str, list[Hit]] = {}
    for hit in store.hits():
        if hit.review_state in CONFIRMED_STATES:
            by_media.setdefault(hit.media_id, []).append(hit)
    known = {}
    for media_id, hits in by_media.items():
        media = store.get_media(media_id)
        if media is not None:
            known[media_id] = Known(media, tuple(hits))
    return known


def _usable_pdq(media: Media) -> str | None:
    quality_ok = media.pdq_quality is None or media.pdq_quality >= PDQ_MIN_QUALITY
    return media.pdq if media.pdq and quality_ok else None


def _reupload_of(media: Media, known: dict[str, Known]) -> Known | None:
    """The confirmed item `media` re-uploads: same video family, else the nearest image by
    PDQ within the match distance; None when it is new."""
    if media.duration is not None:  # a sequence: its family was decided at enrichment
        if not media.family_id or media.family_id == media.media_id:
            return None
        return next((k for k in known.values()
                     if k.media.duration is not None and k.family == media.family_id), None)
    mine = _usable_pdq(media)
    if mine is None:
        return None
    near = [(pdq_distance(mine, theirs), k.media.media_id, k) for k in known.values()
            if k.media.duration is None and (theirs := _usable_pdq(k.media))]
    best = min(near, key=lambda n: n[:2], default=None)
    return best[2] if best is not None and best[0] <= PDQ_MATCH_DISTANCE else None


def _faces_of(store: Store, media_ids: set[str]) -> dict[str, list[Face]]:
    """The faces of these media, in one pass over each enrolled model's faces (re-uploads are
    rare; the store has no per-media face query)."""
    found: dict[str, list[Face]] = {}
    for model_id in store.template_models():
        for face in store.faces(model_id):
            if face.media_id in media_ids:
                found.setdefault(face.media_id, []).append(face)
    return found


def _hits_by_media(store: Store, media_ids: set[str]) -> dict[str, list[Hit]]:
    found: dict[str, list[Hit]] = {}
    for hit in store.hits():
        if hit.media_id in media_ids:
            found.setdefault(hit.media_id, []).append(hit)
    return found


def _confirm_one(store: Store, media: Media, of: Known, faces: list[Face],
                 existing: list[Hit], actor: str) -> list[Hit]:
    made = []
    note = REUPLOAD_NOTE.format(known=of.media.media_id)
    for person_id in sorted({h.person_id for h in of.hits}):
        theirs = [h for h in existing if h.person_id == person_id]
        if any(h.review_state != "new" for h in theirs):
            continue  # decided already (by an operator, or by this family before)
        model = max((h for h in of.hits if h.person_id == person_id),
                    key=lambda h: h.similarity)
        hit = max(theirs, key=lambda h: h.similarity) if theirs else \
            _new_hit(store, person_id, model, faces)
        if hit is None:
            continue
        store.upsert_hit(hit)
        store.set_review_state(hit.hit_id, "confirmed", reviewer=FAMILY_REVIEWER, note=note)
        store.record_audit(AuditEvent(
            action="hit.family_confirmed", actor=actor, subject=hit.hit_id,
            detail={"media": media.media_id, "known": of.media.media_id, "family": of.family,
                    "model": hit.model_id, "by": "vpdq" if media.duration is not None
                    else "pdq"}))
        made.append(replace(hit, review_state="confirmed", reviewer=FAMILY_REVIEWER,
                            review_note=note, reviewed_at=utcnow()))
    return made


def _new_hit(store: Store, person_id: str, model: Hit, faces: list[Face]) -> Hit | None:
    """A hit of `person_id` on the face (of the model of her confirmed hit) most similar to
    her templates; None when the media has no such face."""
    mine = [f for f in faces if f.model_id == model.model_id]
    templates = [t for t in store.templates(model.model_id) if t.person_id == person_id]
    if not mine or not templates:
        return None
    scores = np.stack([f.embedding for f in mine]) @ np.stack([t.embedding for t in templates]).T
    face_at, template_at = np.unravel_index(int(np.argmax(scores)), scores.shape)
    face, template = mine[int(face_at)], templates[int(template_at)]
    return Hit(person_id=person_id, face_id=face.face_id, media_id=face.media_id,
               model_id=face.model_id, similarity=round(float(scores[face_at, template_at]), 6),
               threshold=model.threshold, template_id=template.template_id, track=face.track,
               frame_times=[] if face.frame_ts is None else [face.frame_ts])
