"""The victim's own pages (`/me`): her findings, "this is not me", her notification preferences,
withdrawing her consent, and enrolling her face herself when her account was made before
anyone was enrolled (`/me/enroll`; the photo never leaves her phone).

Only a victim account reaches them (operators, takedown and admin get 403, audited), and every
page works on the case her account names, never on one named in the URL: the only id a URL
carries is a hit id, and a hit that is not one of her shown findings is a 404, whoever's it is.
The words are calm and plain (`i18n`), Korean first; no page shows imagery, a similarity, a
model or an operator's note, and every page ends with where to get support. Each change asks
first (a confirm page, or a typed word before erasure) and carries the session's CSRF token.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from jikimi.alerts.message import KST
from jikimi.cases import audit
from jikimi.portal.rendering import allow_wasm, render
from jikimi.portal.security import Viewer, accounts_of, check_csrf, require
from jikimi.portal.victim_forms import preferences_from_form, preferences_view
from jikimi.victim import Finding, find_finding, her_case, not_me, read_findings, withdraw
from jikimi.victim_prefs import current, her_channels, save
from kernel.cases import Case
from kernel.errors import AccessDenied, CaseError, ConfigError, NotFound

router = APIRouter(prefix="/me", tags=["victim"])
Victim = Annotated[Viewer, Depends(require("victim"))]
# What she types before erasure, in either language (compared NFKC-normalised, case-folded).
CONFIRM_WORDS = frozenset({"삭제", "delete"})


@router.get("", response_model=None)
def findings_page(request: Request, viewer: Victim, done: str = "") -> Response:
    case = _case(request, viewer, missing_ok=True)
    state = "missing" if case is None else ("open" if case.status == "open" else "ended")
    rows = read_findings(_store(request), case, viewer.actor) if case and state == "open" \
        else []
    return _render(request, viewer, "me.html", state=state, findings=[_row(f) for f in rows],
                   enrolled=bool(case and case.person_id), done=done == "not_me")


@router.get("/enroll", response_model=None)
def enroll_page(request: Request, viewer: Victim) -> Response:
    """Her own enrollment, on her phone, while her case is open and nobody is enrolled yet: the
    page computes the templates on her device (`device_enroll`); the photo stays there."""
    case = _case(request, viewer)
    if case.person_id is not None:
        return RedirectResponse("/me", status_code=303)
    return allow_wasm(_render(request, viewer, "me_enroll.html", case_id=case.case_id))


@router.get("/findings/{hit_id}/not-me", response_model=None)
def not_me_page(hit_id: str, request: Request, viewer: Victim) -> Response:
    case = _case(request, viewer)
    finding = _finding(request, case, hit_id)
    audit(_store(request), "victim.finding", viewer.actor, case.case_id, hit=hit_id)
    return _render(request, viewer, "not_me.html", finding=_row(finding))


@router.post("/findings/{hit_id}/not-me", response_model=None)
async def not_me_action(hit_id: str, request: Request, viewer: Victim) -> Response:
    await check_csrf(request, viewer)
    case = _case(request, viewer)
    try:
        not_me(_store(request), case, hit_id, viewer.actor)
    except NotFound:
        raise HTTPException(status_code=404, detail="no such finding") from None
    except CaseError:
        raise HTTPException(status_code=409, detail="this case has ended") from None
    return RedirectResponse("/me?done=not_me", status_code=303)


@router.get("/preferences", response_model=None)
def preferences_page(request: Request, viewer: Victim, saved: str = "") -> Response:
    case = _case(request, viewer)
    return _preferences(request, viewer, case, saved=bool(saved))


@router.post("/preferences", response_model=None)
async def preferences_action(request: Request, viewer: Victim) -> Response:
    await check_csrf(request, viewer)
    case = _case(request, viewer)
    store = _store(request)
    form = await request.form()
    fields = {key: str(value) for key, value in form.items()}
    try:
        chosen = preferences_from_form(fields, current(store, case), her_channels(store, case))
        save(store, case, chosen, viewer.actor)
    except ConfigError as exc:
        return _preferences(request, viewer, case, error=str(exc), status_code=400)
    return RedirectResponse("/me/preferences?saved=1", status_code=303)


@router.get("/withdraw", response_model=None)
def withdraw_page(request: Request, viewer: Victim) -> Response:
    _case(request, viewer)
    return _render(request, viewer, "withdraw.html", wrong=False)


@router.post("/withdraw", response_model=None)
async def withdraw_action(request: Request, viewer: Victim) -> Response:
    await check_csrf(request, viewer)
    case = _case(request, viewer)
    word = str((await request.form()).get("word") or "")
    if unicodedata.normalize("NFKC", word).strip().casefold() not in CONFIRM_WORDS:
        return _render(request, viewer, "withdraw.html", wrong=True, status_code=400)
    try:
        withdraw(_store(request), request.app.state.settings, case, viewer.actor)
    except CaseError:
        raise HTTPException(status_code=409, detail="this case has ended") from None
    accounts = accounts_of(request)
    accounts.disable_account(viewer.account.account_id, actor=viewer.actor)  # signs her out
    response = _render(request, None, "withdrawn.html")
    response.headers.append("set-cookie", accounts.cleared_cookie())
    return response


def _case(request: Request, viewer: Viewer, *, missing_ok: bool = False) -> Any:
    """Her case: 403 for an account that may not see it; 404 when there is none (a page says
    so calmly instead when `missing_ok`); 409 for actions on a case that has ended."""
    try:
        case = her_case(_store(request), viewer.account)
    except AccessDenied:
        raise HTTPException(status_code=403, detail="not allowed for this account") from None
    if missing_ok:
        return case
    if case is None:
        raise HTTPException(status_code=404, detail="no case on this account")
    if case.status != "open":
        raise HTTPException(status_code=409, detail="this case has ended")
    return case


def _finding(request: Request, case: Case, hit_id: str) -> Finding:
    try:
        return find_finding(_store(request), case, hit_id)
    except NotFound:
        raise HTTPException(status_code=404, detail="no such finding") from None


def _preferences(request: Request, viewer: Viewer, case: Case, *, saved: bool = False,
                 error: str = "", status_code: int = 200) -> Response:
    store = _store(request)
    view = preferences_view(current(store, case), her_channels(store, case))
    return _render(request, viewer, "preferences.html", status_code=status_code, saved=saved,
                   error=error, **view)


def _row(finding: Finding) -> dict[str, Any]:
    found = finding.found_at.astimezone(KST)
    return {"id": finding.finding_id, "status": finding.status, "host": finding.host,
            "page": finding.pages[0] if finding.pages else "",
            "more": max(len(finding.pages) - 1, 0), "when": found.strftime("%Y-%m-%d %H:%M"),
            "iso": found.isoformat()}


def _render(request: Request, viewer: Viewer | None, template: str, status_code: int = 200,
            **context: Any) -> Response:
    support = request.app.state.settings.alerts.support_text
    return render(request, template, status_code=status_code, viewer=viewer, support=support,
                  **context)


def _store(request: Request) -> Any:
    return request.app.state.store
