"""Enrollment: a consenting person's photos become templates; the photos are then discarded.

Every photo must show exactly one face, large, sharp, frontal and clearly detected enough to make
a good template (kernel/quality.py, enrichment/faces/quality.py); anything else is refused with
a message the person (or the NGO operator helping them) can act on. Several photos give several
templates, fused at matching. Photo bytes live only in memory for the length of this call —
they are never written to the store, the blob store or a log. After storing the templates,
the faces already collected seed the person's background (her scores against strangers, for
calibrated thresholds) and are searched (retroactive matching) so old copies alert too.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from enrichment.decode import decode_image
from enrichment.faces.quality import detected_quality
from jikimi.review import alert_bands
from kernel.errors import EnrollmentRefused, JikimiError
from kernel.ports import FaceEngine, FaceSearch, Store
from kernel.quality import enrollment_problems
from kernel.records import Person, Template, derive_id
from kernel.settings import Settings
from search.matching import MatchReport, match_person


@dataclass
class EnrollResult:
    person_id: str
    ref: str
    templates: int
    model_id: str
    retroactive: MatchReport


def photo_template(
    data: bytes, label: str, person_id: str, engine: FaceEngine, settings: Settings
) -> Template:
    """One photo → one template, or EnrollmentRefused saying what is wrong with the photo."""
    try:
        image = decode_image(data, max_pixels=settings.media.max_pixels)
    except JikimiError as exc:
        raise EnrollmentRefused(f"{label}: cannot read the photo ({exc})") from None
    faces = engine.detect(image.rgb)
    if not faces:
        raise EnrollmentRefused(
            f"{label}: no face found; use a clear, front-facing photo of one person"
        )
    if len(faces) > 1:
        raise EnrollmentRefused(
            f"{label}: {len(faces)} faces found; use a photo that shows only the person enrolling"
        )
    problems = enrollment_problems(detected_quality(image.rgb, faces[0]), settings.matching)
    if problems:
        raise EnrollmentRefused(f"{label}: {'; '.join(problems)}")
    embedding = engine.embed(image.rgb, faces)[0]
    template_id = derive_id("template", person_id, engine.model_id, label, uuid.uuid4().hex)
    return Template(template_id, person_id, engine.model_id, embedding)


def enroll(
    store: Store,
    engine: FaceEngine,
    settings: Settings,
    *,
    face_search: FaceSearch | None = None,
    name: str,
    photos: list[Path],
    email: str | None = None,
    webhook: str | None = None,
) -> EnrollResult:
    """Enroll a person from photo files (all must be usable), then search existing faces."""
    if not name.strip():
        raise EnrollmentRefused("a name is required (it is stored encrypted)")
    if not photos:
        raise EnrollmentRefused("at least one photo is required")
    _check_contacts(email, webhook)
    person_id = uuid.uuid4().hex
    templates = []
    for path in photos:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EnrollmentRefused(f"{path}: cannot open ({exc.strerror})") from None
        templates.append(photo_template(data, str(path), person_id, engine, settings))
        del data
    person = Person(
        person_id=person_id, name=name.strip(), ref=f"P-{secrets.token_hex(5)}",
        email=email, webhook=webhook,
    )
    store.add_person(person, templates)
    retro = match_person(store, templates, settings.faces, settings.matching, face_search,
                         alert_bands=alert_bands(settings.review))
    return EnrollResult(person_id, person.ref, len(templates), engine.model_id, retro)


def _check_contacts(email: str | None, webhook: str | None) -> None:
    """Refuse contacts that could never receive an alert, before anything is stored."""
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise EnrollmentRefused(f"not an e-mail address: {email!r}")
    if webhook is not None:
        parts = urlsplit(webhook)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise EnrollmentRefused(f"webhook must be an http(s) URL, got {webhook!r}")
