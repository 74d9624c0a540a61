"""Who is asking: every route but sign-in, health and static files needs a signed-in account.

A browser proves itself with the session cookie (`jikimi.accounts` keeps sessions server-side
and gives each its CSRF token, which every form must carry back); automation sends an API token
as `Authorization: Bearer …`. What a role may reach is decided per route with `require`. A
refusal of a signed-in account is written to the audit log; an anonymous one gets 401 (a page
gets the sign-in form instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from jikimi.accounts import Accounts
from kernel.accounts import Account, Role, WebSession
from kernel.errors import AccessDenied
from kernel.records import AuditEvent


@dataclass(frozen=True)
class Viewer:
    """The signed-in account of this request, and the CSRF token its forms must carry."""

    account: Account
    session: WebSession | None  # None for an API token: it sends no forms

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session is not None else ""

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def actor(self) -> str:
        """How the audit log names this account."""
        return f"account:{self.account.account_id}"


class NotSignedIn(Exception):
    """No valid session or token: a page answers with the sign-in form, an API call with 401."""


def accounts_of(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def viewer_of(request: Request) -> Viewer | None:
    accounts = accounts_of(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        account = accounts.verify_token(header[7:].strip())
        return Viewer(account, None) if account is not None else None
    cookie = request.cookies.get(accounts.settings.cookie_name)
    signed_in = accounts.verify_session(cookie)
    return Viewer(signed_in.account, signed_in.session) if signed_in else None


def signed_in(request: Request) -> Viewer:
    viewer = viewer_of(request)
    if viewer is None:
        raise NotSignedIn()
    return viewer


SignedIn = Annotated[Viewer, Depends(signed_in)]


def require(*roles: Role) -> Callable[..., Viewer]:
    """A dependency: the signed-in viewer when its role is one of `roles`; 403 (audited)
    otherwise."""

    def dependency(request: Request, viewer: SignedIn) -> Viewer:
        if viewer.account.disabled or viewer.account.role not in roles:
            request.app.state.store.record_audit(AuditEvent(
                action="portal.refused", actor=viewer.actor, subject=request.url.path,
                detail={"method": request.method, "needs": list(roles)}))
            raise HTTPException(status_code=403, detail="not allowed for this account")
        return viewer

    return dependency


async def check_csrf(request: Request, viewer: Viewer) -> None:
    """Forms must carry the session's CSRF token (API tokens send JSON, not forms)."""
    if viewer.session is None:
        return
    form = await request.form()
    submitted = form.get("csrf")
    try:
        accounts_of(request).check_csrf(viewer.session, str(submitted or ""))
    except AccessDenied as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None


def check_csrf_header(request: Request, viewer: Viewer) -> None:
    """JSON calls made with a web session must carry its CSRF token in `X-CSRF-Token` (API
    tokens need none)."""
    if viewer.session is None:
        return
    try:
        accounts_of(request).check_csrf(viewer.session, request.headers.get("x-csrf-token"))
    except AccessDenied as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
