"""Enrollment from templates computed on her own device: the photo never leaves her phone.

Hash systems earn trust by hashing on the victim's device; jikimi matches faces, so the portal's
enrollment page computes the face *template* in the browser (onnxruntime-web, the same detector
and recognizer as the server) and sends only the templates, their quality figures and the model
id. What arrives is numbers from a client the server does not control, so each is checked before
anything else: the model must be the one the server matches with (a template of another model
would be compared with nothing, or with the wrong faces), the vector must have that model's
length, hold only finite values and be L2-normalised like the server's own embeddings. The
quality figures are judged by the same rules as a photo enrolled on the server
(kernel/quality.py), and an identical vector sent twice is refused like the same photo twice.

Then the enrollment is the server path's own (`jikimi.enrollment.enroll_templates`): the
same-person check, the duplicate check, the contact checks, the person, the case, the audit
(with `templates_from="device"`) and the retroactive search.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from jikimi.enroll_photos import PhotoVerdict, repeated_verdict
from jikimi.enrollment import EnrollResult, enroll_templates
from kernel.errors import EnrollmentRefused
from kernel.ports import FaceSearch, Store
from kernel.quality import FaceQuality, enrollment_problem_list
from kernel.records import Template, derive_id
from kernel.settings import Settings

NORM_TOLERANCE = 1e-3  # the server's embeddings are L2-normalised; float32 rounding stays far below


class TemplateRefused(EnrollmentRefused):
    """The templates sent cannot be used at all (a client fault, not a photo's): `code`, and the
    message in English (`str()`, `en`) and Korean."""

    def __init__(self, code: str, en: str, ko: str) -> None:
        super().__init__(en)
        self.code, self.en, self.ko = code, en, ko


@dataclass(frozen=True)
class DeviceTemplate:
    """One template as her device sent it: base64 of float32 little-endian, and the quality
    figures of the face it was computed from."""

    vector: str = field(repr=False)
    quality: FaceQuality


def check_model(given: str, model_id: str) -> None:
    if given != model_id:
        raise TemplateRefused(
            "wrong_model",
            f"the templates were computed with {given!r}, but this server matches with "
            f"{model_id!r}; reload the page to get the current model",
            "이 기기에서 쓴 얼굴 모델이 서버의 모델과 다릅니다. 페이지를 새로 고친 뒤 다시 "
            "시도해 주세요")


def decode_vector(text: str, label: str, dims: int) -> np.ndarray:
    """The template's float32 vector, checked: base64, `dims` values, finite, unit length."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise TemplateRefused("bad_vector", f"{label}: the template is not base64",
                              f"{label}: 얼굴 템플릿 형식이 잘못되었습니다") from None
    if len(raw) != 4 * dims:
        raise TemplateRefused(
            "wrong_dims", f"{label}: the template has {len(raw) / 4:g} values; the model "
            f"gives {dims}", f"{label}: 얼굴 템플릿의 길이가 모델과 다릅니다({dims}개가 "
            "필요합니다). 페이지를 새로 고친 뒤 다시 시도해 주세요")
    vector = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if not np.isfinite(vector).all():
        raise TemplateRefused("not_finite", f"{label}: the template holds values that are not "
                              "numbers", f"{label}: 얼굴 템플릿에 숫자가 아닌 값이 있습니다")
    norm = float(np.linalg.norm(vector.astype(np.float64)))
    if abs(norm - 1.0) > NORM_TOLERANCE:
        raise TemplateRefused(
            "bad_norm", f"{label}: the template's length is {norm:.4f}, not 1 (±{NORM_TOLERANCE})",
            f"{label}: 얼굴 템플릿이 정규화되어 있지 않습니다. 페이지를 새로 고친 뒤 다시 "
            "시도해 주세요")
    return vector


def checked_vectors(templates: Sequence[DeviceTemplate], dims: int) -> list[np.ndarray]:
    """Every template's vector, or TemplateRefused naming the first bad one (`#1`…)."""
    return [decode_vector(t.vector, f"#{n}", dims) for n, t in enumerate(templates, 1)]


def device_verdicts(templates: Sequence[DeviceTemplate], vectors: Sequence[np.ndarray],
                    person_id: str, model_id: str, settings: Settings) -> list[PhotoVerdict]:
    """A verdict per template, labelled `#1`… like uploaded photos: its quality judged by the
    enrollment rules, and the same vector twice refused like the same photo twice."""
    verdicts: list[PhotoVerdict] = []
    seen: dict[bytes, str] = {}
    for n, (sent, vector) in enumerate(zip(templates, vectors, strict=True), 1):
        label = f"#{n}"
        key = vector.tobytes()
        if key in seen:
            verdicts.append(repeated_verdict(label, seen[key]))
            continue
        seen[key] = label
        problems = enrollment_problem_list(sent.quality, settings.matching)
        if problems:
            verdicts.append(PhotoVerdict(
                label, "poor_quality", f"{label}: {'; '.join(p.en for p in problems)}",
                f"{label}: {' / '.join(p.ko for p in problems)}"))
            continue
        template_id = derive_id("template", person_id, model_id, label, uuid.uuid4().hex)
        verdicts.append(PhotoVerdict(label, "ok", template=Template(
            template_id, person_id, model_id, vector)))
    return verdicts


def enroll_from_device(
    store: Store,
    settings: Settings,
    *,
    model_id: str,
    dims: int,
    sent_model_id: str,
    templates: Sequence[DeviceTemplate],
    face_search: FaceSearch | None = None,
    name: str,
    case_id: str,
    actor: str,
    email: str | None = None,
    webhook: str | None = None,
    email_outbox_only: bool = False,
    allow_duplicate: bool = False,
) -> EnrollResult:
    """Enroll into `case_id` from templates her device computed with `sent_model_id`; the
    server matches with `model_id` (`dims` values per template)."""
    check_model(sent_model_id, model_id)
    vectors = checked_vectors(templates, dims)
    return enroll_templates(
        store, settings, model_id=model_id, count=len(templates),
        verdicts=lambda person_id: device_verdicts(templates, vectors, person_id, model_id,
                                                   settings),
        face_search=face_search, name=name, email=email, webhook=webhook, case_id=case_id,
        actor=actor, email_outbox_only=email_outbox_only, allow_duplicate=allow_duplicate,
        templates_from="device")
