"""Sites as JSON, for automation with an API token (or a session): the pages' twins.

The same roles, checks and audit as the pages (`site_pages`): operators and admins read and
pause, admins add, change and resume. A body is a whole site definition (`SiteDefinition`'s
schema); `headers` left out of a PUT keeps the site's headers, whose values are never sent out
(reads give `header_names`). A read's `version` sent back as `If-Match` makes a PUT refuse (412)
to overwrite a change made since. Changes sent with a session cookie carry its CSRF token as an
`X-CSRF-Token` header; API tokens need none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request

from crawlers.sites import SiteDefinition
from jikimi.portal.security import Viewer, check_csrf_header, require
from jikimi.site_admin import change_site, create_site, set_paused, site_view, site_views
from jikimi.site_files import SiteChanged, SiteInvalid
from kernel.errors import AlreadyExists, NotFound

router = APIRouter(prefix="/api/sites", tags=["sites API"])
Watcher = Annotated[Viewer, Depends(require("operator", "admin"))]
Admin = Annotated[Viewer, Depends(require("admin"))]


@router.get("")
def sites(request: Request, viewer: Watcher) -> list[dict[str, Any]]:
    return [view.to_dict() for view in site_views(request.app.state.store, _dir(request))]


@router.get("/{name}")
def site(name: str, request: Request, viewer: Watcher) -> dict[str, Any]:
    return _view(request, name)


@router.post("", status_code=201)
def add(body: SiteDefinition, request: Request, viewer: Admin) -> dict[str, Any]:
    check_csrf_header(request, viewer)
    try:
        create_site(request.app.state.store, _dir(request), viewer.actor, _given(body))
    except AlreadyExists as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except SiteInvalid as exc:
        raise _invalid(exc) from None
    return _view(request, body.name)


@router.put("/{name}")
def change(name: str, body: SiteDefinition, request: Request, viewer: Admin,
           if_match: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    check_csrf_header(request, viewer)
    try:
        _, changed = change_site(request.app.state.store, _dir(request), viewer.actor, name,
                                 _given(body), version=(if_match or "").strip('"') or None)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except SiteChanged as exc:
        raise HTTPException(status_code=412, detail=str(exc)) from None
    except SiteInvalid as exc:
        raise _invalid(exc) from None
    return _view(request, name) | {"changed": changed}


@router.post("/{name}/pause")
def pause(name: str, request: Request, viewer: Watcher) -> dict[str, Any]:
    return _pause(request, viewer, name, paused=True)


@router.post("/{name}/resume")
def resume(name: str, request: Request, viewer: Admin) -> dict[str, Any]:
    return _pause(request, viewer, name, paused=False)


def _pause(request: Request, viewer: Viewer, name: str, *, paused: bool) -> dict[str, Any]:
    check_csrf_header(request, viewer)
    try:
        set_paused(request.app.state.store, _dir(request), viewer.actor, name, paused)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except SiteInvalid as exc:
        raise _invalid(exc, 409) from None
    return _view(request, name)


def _given(body: SiteDefinition) -> dict[str, Any]:
    """The fields the client sent (not what validation derived from them)."""
    return body.model_dump(mode="json", include=set(body.model_fields_set))


def _view(request: Request, name: str) -> dict[str, Any]:
    try:
        return site_view(request.app.state.store, _dir(request), name).to_dict()
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def _invalid(exc: SiteInvalid, status: int = 422) -> HTTPException:
    return HTTPException(status_code=status, detail=[
        {"field": p.field, "kind": p.kind, "message": p.message} for p in exc.problems])


def _dir(request: Request) -> Path:
    return Path(request.app.state.settings.sites_dir)
