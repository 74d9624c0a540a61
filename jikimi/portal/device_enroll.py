"""`POST /cases/{case_id}/enroll/device`: enrollment from templates computed in her browser.

The enrollment page (`enroll_form.html`, `static/enroll/page.js`) turns each photo into a face
template on the device and posts only JSON: the templates (base64 float32), their quality
figures and the model id, never a photo (`jikimi.enroll_device` checks the numbers, then the
server path's own checks run). An operator or admin may enroll into any open case; her own
victim account may enroll into her own case only, with her name and an e-mail address at most:
allowing a look-alike, a webhook or an outbox-only address are an operator's decisions. Her
account can exist before anyone is enrolled (`jikimi users add … --role victim --case ID`), and
then `/me/enroll` is where she does it herself, on her phone.

Answers are JSON with a `code` and the message in Korean and English (`ko`, `en`), the refusal
codes of the server path where they apply; a malformed body gets them too (`body_problem`),
instead of FastAPI's bare validation list. A session sends its CSRF token as `X-CSRF-Token`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from jikimi import registry
from jikimi.accounts.access import require_case
from jikimi.enroll_device import DeviceTemplate, TemplateRefused, enroll_from_device
from jikimi.enroll_photos import MAX_PHOTOS
from jikimi.enrollment import EnrollmentDeclined, EnrollResult
from jikimi.flow import alert_stage
from jikimi.portal.security import Viewer, check_csrf_header, require
from kernel.errors import AccessDenied, CaseError, ConfigError, EnrollmentRefused, NotFound
from kernel.quality import FaceQuality
from kernel.records import AuditEvent
from kernel.settings import Settings

router = APIRouter(prefix="/cases", tags=["cases"])
Signed = Annotated[Viewer, Depends(require("operator", "admin", "victim"))]
PATH_SUFFIX = "/enroll/device"
SIMILARITY = re.compile(r" \((?:similarity|유사도) [^)]*\)|, below \d+\.\d+")
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class Quality(BaseModel):
    """The quality figures of the face a template was computed from (kernel/quality.py)."""

    model_config = _STRICT
    face_px: float = Field(ge=0, description="shorter side of the detector's box, pixels")
    yaw: float = Field(ge=0, description="nose offset from the eyes' midpoint, eye distances")
    det_score: float = Field(ge=0, le=1, description="the detector's score")
    sharpness: float | None = Field(None, ge=0, description="Laplacian variance of the crop")


class BrowserTemplate(BaseModel):
    model_config = _STRICT
    vector: str = Field(min_length=4, max_length=22_000,
                        description="base64 of the float32 little-endian embedding")
    quality: Quality


class DeviceEnrollment(BaseModel):
    """What her device sends: never a photo, only what was computed from it."""

    model_config = _STRICT
    name: str = Field(max_length=200, description="her name (stored encrypted)")
    model_id: str = Field(max_length=200)
    templates: list[BrowserTemplate] = Field(min_length=1, max_length=MAX_PHOTOS)
    email: str | None = Field(None, max_length=320)
    webhook: str | None = Field(None, max_length=2000)
    email_outbox_only: bool = False
    allow_duplicate: bool = False


def enroller(case_id: str, request: Request, viewer: Signed) -> Viewer:
    """Who may enroll into `case_id`: an operator or admin, or her own victim account (403,
    audited, for anyone else's); the session's CSRF token. Checked before the body is."""
    if viewer.role == "victim":
        try:
            require_case(viewer.account, case_id)
        except AccessDenied:
            request.app.state.store.record_audit(AuditEvent(
                action="portal.refused", actor=viewer.actor, subject=request.url.path,
                detail={"method": request.method, "needs": "her own case"}))
            raise HTTPException(status_code=403, detail="not allowed for this account") \
                from None
    check_csrf_header(request, viewer)
    return viewer


Enroller = Annotated[Viewer, Depends(enroller)]


def answer(status: int, code: str, en: str, ko: str, **more: Any) -> JSONResponse:
    return JSONResponse({"ok": False, "code": code, "en": en, "ko": ko, **more},
                        status_code=status)


@router.post("/{case_id}/enroll/device", response_model=None)
async def enroll_device(case_id: str, body: DeviceEnrollment, request: Request,
                        viewer: Enroller) -> Response:
    if viewer.role == "victim" and (body.webhook or body.allow_duplicate
                                    or body.email_outbox_only):
        return answer(403, "operator_only",
                      "a webhook, an outbox-only address or allowing a look-alike is set by "
                      "your caseworker", "웹훅, 보관함 전용 주소, 닮은 얼굴 허용은 담당자가 "
                      "정합니다")
    if not body.name.strip():
        return answer(422, "name_required", "a name is required (it is stored encrypted)",
                      "이름을 입력해 주세요(암호화되어 저장됩니다)")
    try:
        result = await run_in_threadpool(_enroll, request, viewer, case_id, body)
    except TemplateRefused as refused:
        return answer(422, refused.code, refused.en, refused.ko)
    except EnrollmentDeclined as declined:
        if viewer.role == "victim":  # no similarity, no other person's ref or case
            return answer(422, declined.code, for_her(declined.en), for_her(declined.ko),
                          photos=[_for_her(v.as_dict()) for v in declined.photos])
        return answer(422, declined.code, declined.en, declined.ko, operator=str(declined),
                      duplicates=[d.as_dict() for d in declined.duplicates],
                      photos=[v.as_dict() for v in declined.photos])
    except NotFound:
        return answer(404, "no_case", "no such case", "이 사례를 찾을 수 없습니다")
    except CaseError as exc:
        return answer(409, "case_not_enrollable", str(exc),
                      "이 사례에는 등록할 수 없습니다(이미 등록되었거나 끝난 사례입니다)")
    except (EnrollmentRefused, ConfigError) as exc:
        return answer(422, "refused", str(exc), f"등록할 수 없습니다: {exc}")
    return JSONResponse(_result(result, case_id, show_operator=viewer.role != "victim"))


def _enroll(request: Request, viewer: Viewer, case_id: str,
            body: DeviceEnrollment) -> EnrollResult:
    settings: Settings = request.app.state.settings
    store = request.app.state.store
    model = registry.face_model(settings)
    result = enroll_from_device(
        store, settings, model_id=model.model_id, dims=model.dims, sent_model_id=body.model_id,
        templates=[DeviceTemplate(t.vector, FaceQuality(**t.quality.model_dump()))
                   for t in body.templates],
        face_search=registry.open_face_search(settings, store), name=body.name,
        case_id=case_id, actor=viewer.actor, email=_given(body.email),
        webhook=_given(body.webhook), email_outbox_only=body.email_outbox_only,
        allow_duplicate=body.allow_duplicate)
    if result.retroactive.new_alerts:  # only under review.policy "strong_direct"
        alert_stage(settings, store)
    return result


def _result(result: EnrollResult, case_id: str, *, show_operator: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "ok": True, "code": "enrolled", "case_id": case_id, "templates": result.templates,
        "templates_from": result.templates_from, "model_id": result.model_id,
        "photos": [v.as_dict() for v in result.photos],
        "retroactive": {"to_review": result.retroactive.to_review,
                        "new_alerts": result.retroactive.new_alerts},
        "en": "Enrolled", "ko": "등록되었습니다"}
    if not show_operator:
        shown["photos"] = [_for_her(p) for p in shown["photos"]]
    else:
        shown |= {"ref": result.ref, "webhook_secret": result.webhook_secret,
                  "duplicates_allowed": [d.as_dict() for d in result.duplicates_allowed]}
    return shown


def for_her(message: str) -> str:
    """A refusal as she reads it: the similarity figures are for operators (the victim's pages
    never show one)."""
    return SIMILARITY.sub("", message)


def _for_her(verdict: dict[str, Any]) -> dict[str, Any]:
    message = verdict.get("message")
    if isinstance(message, dict):
        verdict["message"] = {lang: for_her(text) for lang, text in message.items()}
    return verdict


def _given(value: str | None) -> str | None:
    return value.strip() or None if value else None


async def body_problem(request: Request, exc: Exception) -> Response:
    """A malformed device enrollment in the same JSON as every other refusal; other routes keep
    FastAPI's answer."""
    assert isinstance(exc, RequestValidationError)
    if not request.url.path.endswith(PATH_SUFFIX):
        return await request_validation_exception_handler(request, exc)
    errors = exc.errors()
    where = [".".join(str(p) for p in e.get("loc", ()) if p != "body") for e in errors]
    kinds = {e.get("type") for e in errors}
    if "extra_forbidden" in kinds:
        fields = ", ".join(w for w, e in zip(where, errors, strict=True)
                           if e.get("type") == "extra_forbidden")
        return answer(422, "unknown_field", f"unknown fields: {fields}",
                      f"알 수 없는 항목이 있습니다: {fields}")
    if any(w == "templates" and k in ("too_long", "too_short") for w, k in
           zip(where, (e.get("type") for e in errors), strict=True)):
        return answer(422, "template_count", f"send 1 to {MAX_PHOTOS} templates",
                      f"얼굴 템플릿은 1개에서 {MAX_PHOTOS}개까지 보낼 수 있습니다")
    listed = "; ".join(f"{w or 'body'}: {e.get('msg', '')}" for w, e in
                       zip(where, errors, strict=True))
    return answer(422, "bad_request", f"the request is malformed: {listed}",
                  f"요청 형식이 잘못되었습니다: {listed}")
