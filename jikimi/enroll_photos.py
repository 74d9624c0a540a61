"""One verdict per enrollment photo: a template, or a refusal the person can act on.

Every photo must show exactly one face, large, sharp, frontal and clearly detected enough to make
a good template (kernel/quality.py, enrichment/faces/quality.py). A refused photo does not sink
the others: each gets its own verdict with a message in English and Korean, and the enrollment
goes on with the usable ones. The same file given twice is refused the second time (it would add
a template that says nothing new). Photo bytes live only in memory for the length of the call:
they are never written to the store, the blob store or a log, and no file name is stored either
(a name such as `kim_passport.jpg` could identify her).

A photo is a file path (the CLI) or a `Photo`: bytes already in memory with a label (the portal's
uploads, which must never touch the disk, so they are not turned into temporary files).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from enrichment.decode import decode_image
from enrichment.decode_budget import DecodeBudget
from enrichment.faces.quality import detected_quality
from kernel.errors import EnrollmentRefused, JikimiError
from kernel.ports import FaceEngine
from kernel.quality import enrollment_problem_list
from kernel.records import Template, derive_id
from kernel.settings import Settings
from kernel.sniff import sniff

MAX_PHOTOS = 5
JOIN_EN, JOIN_KO = "; ", " / "  # several problems of one photo, in one message


class PhotoRefused(EnrollmentRefused):
    """One photo cannot become a template; `str()` is the English message, `ko` the Korean."""

    def __init__(self, code: str, en: str, ko: str) -> None:
        super().__init__(en)
        self.code, self.en, self.ko = code, en, ko


@dataclass(frozen=True)
class Photo:
    """An enrollment photo held in memory: its bytes and the label messages name it by (shown
    to the operator, never stored)."""

    label: str
    data: bytes = field(repr=False)


@dataclass
class PhotoVerdict:
    """What became of one photo: `code` "ok" with a template, or why it was refused."""

    photo: str  # the label given (a path on the operator's machine; shown, never stored)
    code: str  # ok, unopenable, unreadable, no_face, several_faces, poor_quality, repeated,
    #            disagrees
    en: str = ""
    ko: str = ""
    template: Template | None = None

    @property
    def ok(self) -> bool:
        return self.template is not None

    def as_dict(self) -> dict[str, object]:
        return {"photo": self.photo, "ok": self.ok, "code": self.code,
                "message": {"en": self.en, "ko": self.ko} if self.code != "ok" else None}


def photo_template(
    data: bytes, label: str, person_id: str, engine: FaceEngine, settings: Settings
) -> Template:
    """One photo → one template, or PhotoRefused saying what is wrong with the photo."""
    try:
        image = decode_image(data, max_pixels=settings.media.max_pixels,
                             budget=DecodeBudget.from_settings(settings.media))
    except JikimiError as exc:
        if sniff(data)[0] != "image":  # a text file, a video, a document given by mistake
            raise PhotoRefused(
                "unreadable", f"{label}: not an image ({exc})",
                f"{label}: 이미지 파일이 아닙니다. JPEG나 PNG 사진으로 다시 올려 주세요") from None
        # an image, but truncated, corrupt or too large
        raise PhotoRefused("unreadable", *unreadable_texts(label, str(exc))) from None
    faces = engine.detect(image.rgb)
    if not faces:
        raise PhotoRefused("no_face", *face_refusal_texts(label, "0")["no_face"])
    if len(faces) > 1:
        raise PhotoRefused("several_faces",
                           *face_refusal_texts(label, str(len(faces)))["several_faces"])
    problems = enrollment_problem_list(detected_quality(image.rgb, faces[0]), settings.matching)
    if problems:
        raise PhotoRefused("poor_quality", f"{label}: {JOIN_EN.join(p.en for p in problems)}",
                           f"{label}: {JOIN_KO.join(p.ko for p in problems)}")
    embedding = engine.embed(image.rgb, faces)[0]
    template_id = derive_id("template", person_id, engine.model_id, label, uuid.uuid4().hex)
    return Template(template_id, person_id, engine.model_id, embedding)


def face_refusal_texts(label: str, count: str) -> dict[str, tuple[str, str]]:
    """(English, Korean) of the refusals decided by the faces found, by code; `count` is the
    number of faces. The browser's enrollment gets them with placeholders (portal.face_models)."""
    return {
        "no_face": (
            f"{label}: no face found; use a clear, front-facing photo of one person",
            f"{label}: 얼굴을 찾지 못했습니다. 한 사람의 얼굴이 정면으로 선명하게 나온 사진을 "
            "사용해 주세요"),
        "several_faces": (
            f"{label}: {count} faces found; use a photo that shows only the person enrolling",
            f"{label}: 얼굴이 {count}개 있습니다. 등록하는 본인만 나온 사진을 사용해 주세요"),
    }


def unreadable_texts(label: str, reason: str) -> tuple[str, str]:
    """(English, Korean) refusal of an image that cannot be decoded, `reason` the decoder's."""
    return (f"{label}: cannot read the photo ({reason})",
            f"{label}: 사진을 읽을 수 없습니다. JPEG나 PNG 사진으로 다시 올려 주세요")


def check_photo_count(photos: Sequence[object]) -> None:
    if not photos:
        raise EnrollmentRefused("at least one photo is required")
    if len(photos) > MAX_PHOTOS:
        raise EnrollmentRefused(
            f"{len(photos)} photos given; enroll with 1 to {MAX_PHOTOS} photos of the person")


def repeated_verdict(label: str, first: str) -> PhotoVerdict:
    """The verdict on a photo (or a device template) given twice: it would add nothing."""
    return PhotoVerdict(label, "repeated", f"{label}: the same photo as {first}; leave one out",
                        f"{label}: {first}와(과) 같은 사진입니다. 하나만 넣어 주세요")


def photo_verdicts(
    photos: Sequence[Path | Photo], person_id: str, engine: FaceEngine, settings: Settings
) -> list[PhotoVerdict]:
    """A verdict for every photo (a path, or bytes in memory), in the order given."""
    verdicts: list[PhotoVerdict] = []
    seen: dict[str, str] = {}  # SHA-256 of the bytes → label of its first photo
    for photo in photos:
        label = photo.label if isinstance(photo, Photo) else str(photo)
        try:
            data = photo.data if isinstance(photo, Photo) else photo.read_bytes()
        except OSError as exc:
            verdicts.append(PhotoVerdict(
                label, "unopenable", f"{label}: cannot open ({exc.strerror})",
                f"{label}: 파일을 열 수 없습니다({exc.strerror}). 파일 경로를 확인해 주세요"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            verdicts.append(repeated_verdict(label, seen[digest]))
            continue
        seen[digest] = label
        try:
            template = photo_template(data, label, person_id, engine, settings)
        except PhotoRefused as refused:
            verdicts.append(PhotoVerdict(label, refused.code, refused.en, refused.ko))
        else:
            verdicts.append(PhotoVerdict(label, "ok", template=template))
        finally:
            del data
    return verdicts
