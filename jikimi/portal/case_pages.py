"""Cases in the portal, for operators: the list, opening a case, one case, revealing her name.

An operator opens a case after verifying who she is: the portal records the method (a fixed
word, never an ID number), the signed-in operator as the verifier (by account id, as the audit
log names accounts) and the time, and the consent version she accepted with its channel; the
consent text of that version is on the page in Korean and English. Every read goes through
`jikimi.cases`, which writes it to the audit log; names, contacts and the note appear only when
the operator asks to reveal them (a form, audited as a revealing read). Enrollment and her
account are on the case page (`intake_pages`); the enrollment form computes the templates in
the browser by default (`device_enroll`), and the page says where an enrollment's templates were
computed (on her device, or here from uploaded photos).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from jikimi.accounts import Accounts
from jikimi.cases import list_cases, open_case, show_case
from jikimi.consent import CURRENT_VERSION, consent_text
from jikimi.enrollment import enrolled_from
from jikimi.invites import victim_account
from jikimi.portal.rendering import allow_wasm, render
from jikimi.portal.security import Viewer, accounts_of, check_csrf, require
from kernel.cases import CONSENT_CHANNELS, VERIFICATION_METHODS
from kernel.errors import ConfigError, NotFound

router = APIRouter(prefix="/cases", tags=["cases"])
Operator = Annotated[Viewer, Depends(require("operator", "admin"))]
# The portal's words; "cli-operator" and "cli" are what the command line records for itself.
METHODS = tuple(m for m in VERIFICATION_METHODS if m != "cli-operator")
CHANNELS = tuple(c for c in CONSENT_CHANNELS if c != "cli")


@router.get("", response_model=None)
def cases_page(request: Request, viewer: Operator) -> Response:
    views = list_cases(request.app.state.store, viewer.actor)
    names = Verifiers(accounts_of(request))
    for view in views:
        view["verified_by_shown"] = names.label(view["verification"]["verified_by"])
    return render(request, "cases.html", viewer=viewer, cases=views[::-1], methods=METHODS,
                  channels=CHANNELS, version=CURRENT_VERSION,
                  consent={lang: consent_text(CURRENT_VERSION, lang) for lang in ("ko", "en")})


@router.post("", response_model=None)
async def open_case_page(request: Request, viewer: Operator,
                         method: Annotated[str, Form()] = "",
                         consent_channel: Annotated[str, Form()] = "",
                         consent_version: Annotated[str, Form()] = "",
                         consent_accepted: Annotated[str, Form()] = "",
                         note: Annotated[str, Form()] = "") -> Response:
    await check_csrf(request, viewer)
    if method not in METHODS or consent_channel not in CHANNELS:
        return problem(request, viewer, "case_fields_missing", "/cases")
    if consent_accepted != "yes":
        return problem(request, viewer, "consent_not_confirmed", "/cases")
    try:
        case = open_case(request.app.state.store, viewer.actor, verified_by=viewer.actor,
                         method=method, consent_version=consent_version,
                         consent_channel=consent_channel, note=note[:500] or None)
    except ConfigError as exc:
        return problem(request, viewer, "", "/cases", detail=str(exc))
    return RedirectResponse(f"/cases/{case.case_id}?opened=1", status_code=303)


@router.get("/{case_id}", response_model=None)
def case_page(case_id: str, request: Request, viewer: Operator, opened: str = "") -> Response:
    return allow_wasm(render(request, "case.html", opened=bool(opened),
                             **case_context(request, viewer, case_id, reveal=False)))


@router.post("/{case_id}/reveal", response_model=None)
async def reveal_page(case_id: str, request: Request, viewer: Operator) -> Response:
    await check_csrf(request, viewer)
    return allow_wasm(render(request, "case.html",
                             **case_context(request, viewer, case_id, reveal=True)))


def case_context(request: Request, viewer: Viewer, case_id: str, *,
                 reveal: bool) -> dict[str, Any]:
    """What the case page shows: the audited read of the case, and whether she has an account."""
    accounts = accounts_of(request)
    try:
        view = show_case(request.app.state.store, case_id, viewer.actor, reveal=reveal)
    except NotFound:
        raise HTTPException(status_code=404, detail="no such case") from None
    view["verified_by_shown"] = Verifiers(accounts).label(view["verification"]["verified_by"])
    view["templates_from"] = enrolled_from(request.app.state.store, case_id) \
        if view["enrolled"] else None
    return {"viewer": viewer, "case": view, "revealed": reveal,
            "has_account": victim_account(accounts, case_id) is not None}


def problem(request: Request, viewer: Viewer, key: str, back: str, *, detail: str = "",
            status_code: int = 400) -> Response:
    """A refusal the operator can act on: a message (by i18n key, or as given) and a way back."""
    return render(request, "case_problem.html", status_code=status_code, viewer=viewer,
                  key=key, detail=detail, back=back)


class Verifiers:
    """Shows `account:<id>` verifiers by their username (the CLI's names are shown as typed);
    the case itself keeps the account id, like the audit log."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts
        self._seen: dict[str, str] = {}

    def label(self, verified_by: str) -> str:
        if not verified_by.startswith("account:"):
            return verified_by
        if verified_by not in self._seen:
            try:
                self._seen[verified_by] = self._accounts.account(verified_by[8:]).username
            except NotFound:
                self._seen[verified_by] = verified_by
        return self._seen[verified_by]
