"""Sign-in, sign-out, the home page that sends each role where it works, and the health check.

Sign-in has no session yet to hold a CSRF token, so its form uses a double-submit token: a
random value in an HttpOnly, SameSite=Strict cookie that the form must repeat. Failed sign-ins
all get the same message (no hint whether the name exists); `jikimi.accounts` counts them,
locks the account and rate-limits the client address.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jikimi.portal.rendering import render
from jikimi.portal.security import SignedIn, accounts_of, check_csrf, viewer_of
from kernel.errors import LoginRefused

router = APIRouter()
LOGIN_CSRF_COOKIE = "jikimi_login_csrf"
WORKPLACE = {"operator": "/review", "admin": "/review", "takedown": "/takedown"}

WORKPLACE["victim"] = "/me"  # issue 11: her own findings (victim_pages)


@router.get("/healthz", include_in_schema=True)
def health() -> dict[str, bool]:
    return {"ok": True}


@router.get("/", response_model=None)
def home(request: Request, viewer: SignedIn) -> Response:
    target = WORKPLACE.get(viewer.role)
    if target is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "message.html", viewer=viewer, kind="hint",
                  message=f"{viewer.role}: this role's pages are not in this portal yet.")


@router.get("/login", response_model=None)
def login_form(request: Request) -> Response:
    if viewer_of(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _login_page(request, failed=False)


@router.post("/login", response_model=None)
def login(request: Request, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return _login_page(request, failed=True, status_code=403)
    accounts = accounts_of(request)
    source = request.client.host if request.client else None
    try:
        account = accounts.authenticate(username, password, source=source)
    except LoginRefused:
        return _login_page(request, failed=True, status_code=401)
    new = accounts.start_session(account)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", accounts.session_cookie(new.session_id))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", response_model=None)
async def logout(request: Request, viewer: SignedIn) -> Response:
    await check_csrf(request, viewer)
    accounts = accounts_of(request)
    accounts.end_session(request.cookies.get(accounts.settings.cookie_name, ""))
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", accounts.cleared_cookie())
    return response


def _login_page(request: Request, *, failed: bool, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status_code, csrf=token,
                      failed=failed)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=True)
    return response
