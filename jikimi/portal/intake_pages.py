"""Enrollment into a case, and her account, in the portal (operators and admins).

The photos arrive as a multipart form that is read into memory only (`uploads`), become
`Photo`s labelled `#1`…`#5`, and go to `jikimi.enrollment.enroll` like the CLI's files: a
verdict per photo (Korean and English), the same-person check, the duplicate check (an operator
may allow a checked duplicate; audited on both cases) and the contact checks. Nothing of a photo
is kept, not even its file name. After enrolling, the faces already collected are searched: the
hits wait in the review queue, and under the default review-first policy nobody is alerted until
an operator confirms one. Her account (`jikimi.invites`) is made on an enrolled case; its first
password is in this one response only, to be handed to her in person.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from jikimi import registry
from jikimi.enroll_photos import MAX_PHOTOS
from jikimi.enrollment import EnrollmentDeclined, EnrollResult, Photo, enroll
from jikimi.flow import alert_stage
from jikimi.invites import invite_victim
from jikimi.portal.case_pages import Operator, problem
from jikimi.portal.rendering import allow_wasm, render
from jikimi.portal.security import Viewer, accounts_of, check_csrf
from jikimi.portal.uploads import MemoryForm, UploadRefused, read_memory_form
from kernel.errors import (
    AccessDenied,
    AccountError,
    AlreadyExists,
    CaseError,
    ConfigError,
    EnrollmentRefused,
    NotFound,
    WeakPassword,
)
from kernel.settings import Settings

router = APIRouter(prefix="/cases", tags=["cases"])
MAX_PHOTO_BYTES = 15 * 1024 * 1024  # a phone's JPEG is 2–8 MB
FORM_FIELDS = {"name": "string", "email": "string", "webhook": "string",
               "email_outbox_only": "string", "allow_duplicate": "string", "csrf": "string"}
ENROLL_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["name", "photos"],
    "properties": {**{k: {"type": v} for k, v in FORM_FIELDS.items()},
                   "photos": {"type": "array", "maxItems": MAX_PHOTOS,
                              "items": {"type": "string", "format": "binary"}}}}}}}}


@router.post("/{case_id}/enroll", response_model=None, openapi_extra=ENROLL_BODY)
async def enroll_page(case_id: str, request: Request, viewer: Operator) -> Response:
    back = f"/cases/{case_id}"
    try:
        form = await read_memory_form(request, max_files=MAX_PHOTOS,
                                      max_file_bytes=MAX_PHOTO_BYTES)
    except UploadRefused as exc:
        return problem(request, viewer, "", back, detail=str(exc), status_code=exc.status_code)
    _check_form_csrf(request, viewer, form)
    fields = form.fields
    photos = [Photo(f"#{n}", upload.data) for n, upload in enumerate(form.files, 1)]
    filenames = {f"#{n}": upload.filename for n, upload in enumerate(form.files, 1)}
    try:
        result = await run_in_threadpool(_enroll, request, viewer, case_id, fields, photos)
    except EnrollmentDeclined as declined:
        return allow_wasm(render(
            request, "enroll_result.html", status_code=422, viewer=viewer, case_id=case_id,
            declined=declined, verdicts=declined.photos, filenames=filenames, fields=fields,
            result=None))
    except NotFound:
        return problem(request, viewer, "", "/cases", detail="no such case", status_code=404)
    except CaseError as exc:
        return problem(request, viewer, "", back, detail=str(exc), status_code=409)
    except (EnrollmentRefused, ConfigError) as exc:
        return problem(request, viewer, "", back, detail=str(exc))
    return render(request, "enroll_result.html", viewer=viewer, case_id=case_id, declined=None,
                  verdicts=result.photos, filenames=filenames, fields={}, result=result)


@router.post("/{case_id}/invite", response_model=None)
async def invite_page(case_id: str, request: Request, viewer: Operator,
                      username: Annotated[str, Form()] = "") -> Response:
    await check_csrf(request, viewer)
    back = f"/cases/{case_id}"
    try:
        invitation = invite_victim(request.app.state.store, accounts_of(request), case_id,
                                   username, actor=viewer.actor)
    except NotFound:
        return problem(request, viewer, "", "/cases", detail="no such case", status_code=404)
    except CaseError as exc:
        return problem(request, viewer, "", back, detail=str(exc), status_code=409)
    except (AccountError, AlreadyExists, WeakPassword) as exc:
        return problem(request, viewer, "", back, detail=str(exc))
    return render(request, "invited.html", viewer=viewer, case_id=case_id,
                  username=invitation.account.username, password=invitation.password)


def _enroll(request: Request, viewer: Viewer, case_id: str, fields: dict[str, str],
            photos: list[Photo]) -> EnrollResult:
    settings: Settings = request.app.state.settings
    store = request.app.state.store
    result = enroll(store, registry.open_face_engine(settings), settings,
                    face_search=registry.open_face_search(settings, store),
                    name=fields.get("name", ""), photos=photos, case_id=case_id,
                    actor=viewer.actor, email=_given(fields, "email"),
                    webhook=_given(fields, "webhook"),
                    email_outbox_only=fields.get("email_outbox_only") == "yes",
                    allow_duplicate=fields.get("allow_duplicate") == "yes")
    if result.retroactive.new_alerts:  # only under review.policy "strong_direct"
        alert_stage(settings, store)
    return result


def _given(fields: dict[str, str], key: str) -> str | None:
    value = fields.get(key, "").strip()
    return value or None


def _check_form_csrf(request: Request, viewer: Viewer, form: MemoryForm) -> None:
    """`check_csrf` for a form read by `uploads` (Starlette's parser would spool the photos)."""
    if viewer.session is None:
        return
    try:
        accounts_of(request).check_csrf(viewer.session, form.fields.get("csrf", ""))
    except AccessDenied as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None

