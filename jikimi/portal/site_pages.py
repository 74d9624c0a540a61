"""Sites in the portal: the list with each site's statistics, the add and edit forms, pause and
resume buttons.

Operators and admins see the list and may pause a site; only admins add, edit and resume (each
sends the crawler somewhere). Every form carries the session's CSRF token; every change is in
the audit log with the account (`jikimi.site_admin`). The edit form carries the file's version,
so a save over someone else's newer change is refused instead of undoing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from crawlers.sites import ForumTemplate, SiteDefinition
from jikimi.portal.case_pages import Verifiers
from jikimi.portal.i18n import pick_language
from jikimi.portal.rendering import LANG_COOKIE, render
from jikimi.portal.security import Viewer, accounts_of, check_csrf, require
from jikimi.portal.site_forms import FORM_FIELDS, SiteForm, form_values, messages, parse_form
from jikimi.site_admin import change_site, create_site, set_paused, site_views
from jikimi.site_files import (
    FieldProblem,
    SiteChanged,
    SiteFile,
    SiteInvalid,
    read_site_file,
    validate,
)
from kernel.errors import AlreadyExists, NotFound

router = APIRouter(prefix="/sites", tags=["sites"])
Watcher = Annotated[Viewer, Depends(require("operator", "admin"))]
Admin = Annotated[Viewer, Depends(require("admin"))]
TEMPLATES = get_args(ForumTemplate)
NEW_SITE = {name: f.get_default(call_default_factory=True)  # the new form shows the defaults
            for name, f in SiteDefinition.model_fields.items() if name not in ("name", "base_url")}


@router.get("", response_model=None)
def sites_page(request: Request, viewer: Watcher, saved: str = "") -> Response:
    views = site_views(request.app.state.store, request.app.state.settings.sites_dir)
    names = Verifiers(accounts_of(request))  # "paused by" as a username, not an account id
    paused_by = {v.file.name: names.label(v.pause.actor) for v in views
                 if v.pause is not None and v.pause.actor}
    return render(request, "sites.html", viewer=viewer, sites=views, saved=saved,
                  paused_by=paused_by)


@router.get("/new", response_model=None)
def new_site_page(request: Request, viewer: Admin) -> Response:
    return _form(request, viewer, form_values(NEW_SITE))


@router.post("", response_model=None)
async def add_site(request: Request, viewer: Admin) -> Response:
    await check_csrf(request, viewer)
    form = parse_form(await request.form(), {})
    if problems := _problems(form):
        return _form(request, viewer, form.values, problems, status_code=400)
    try:
        create_site(request.app.state.store, _sites_dir(request), viewer.actor, form.data)
    except SiteInvalid as exc:
        return _form(request, viewer, form.values, exc.problems, status_code=400)
    except AlreadyExists as exc:
        problem = FieldProblem("name", "exists", str(exc))
        return _form(request, viewer, form.values, [problem], status_code=409)
    return RedirectResponse(f"/sites?saved={form.data['name']}", status_code=303)


@router.get("/{name}/edit", response_model=None)
def edit_site_page(name: str, request: Request, viewer: Admin) -> Response:
    file = _file(request, name)
    return _form(request, viewer, form_values({**NEW_SITE, **file.data, "name": name}), name=name,
                 version=file.version, header_names=sorted(file.data.get("headers") or {}),
                 problem=file.problem)


@router.post("/{name}/edit", response_model=None)
async def save_site(name: str, request: Request, viewer: Admin) -> Response:
    await check_csrf(request, viewer)
    file = _file(request, name)
    submitted = await request.form()
    form = parse_form(submitted, dict(file.data.get("headers") or {}))
    form.data["name"] = name
    context: dict[str, Any] = {"name": name, "version": str(submitted.get("version") or ""),
                               "header_names": sorted(file.data.get("headers") or {})}
    if problems := _problems(form):
        return _form(request, viewer, form.values, problems, status_code=400, **context)
    try:
        written, changed = change_site(request.app.state.store, _sites_dir(request),
                                       viewer.actor, name, form.data,
                                       version=context["version"] or None)
    except SiteInvalid as exc:
        return _form(request, viewer, form.values, exc.problems, status_code=400, **context)
    except SiteChanged:
        return _form(request, viewer, form.values, [FieldProblem("", "stale", "changed")],
                     status_code=409, **context)
    values = form_values({**NEW_SITE, **written.data, "name": name})
    return _form(request, viewer, values, name=name, version=written.version,
                 header_names=sorted(written.data.get("headers") or {}), saved=True,
                 changed=changed)


@router.post("/{name}/pause", response_model=None)
async def pause_site(name: str, request: Request, viewer: Watcher) -> Response:
    await check_csrf(request, viewer)
    return _pause(request, viewer, name, paused=True)


@router.post("/{name}/resume", response_model=None)
async def resume_site(name: str, request: Request, viewer: Admin) -> Response:
    await check_csrf(request, viewer)
    return _pause(request, viewer, name, paused=False)


def _pause(request: Request, viewer: Viewer, name: str, *, paused: bool) -> Response:
    try:
        set_paused(request.app.state.store, _sites_dir(request), viewer.actor, name, paused)
    except NotFound:
        raise HTTPException(status_code=404, detail="no such site") from None
    except SiteInvalid as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return RedirectResponse(f"/sites#site-{name}", status_code=303)


def _problems(form: SiteForm) -> list[FieldProblem]:
    """What the form itself found, with everything validation finds, to show all at once."""
    if not form.problems:
        return []
    try:
        validate(form.data)
    except SiteInvalid as exc:
        return form.problems + exc.problems
    return form.problems


def _form(request: Request, viewer: Viewer, values: dict[str, str],
          problems: list[FieldProblem] | None = None, *, status_code: int = 200,
          name: str = "", **context: Any) -> Response:
    lang = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))
    errors = messages(problems or [], lang)
    shown = set(FORM_FIELDS) - ({"name"} if name else set())
    for field in [f for f in errors if f and f not in shown]:  # not on the form: at the top
        errors.setdefault("", []).extend(errors.pop(field))
    context.setdefault("header_names", [])
    return render(request, "site_form.html", status_code=status_code, viewer=viewer,
                  values=values, errors=errors, editing=name, templates=TEMPLATES,
                  stale=any(p.kind == "stale" for p in problems or []), **context)


def _file(request: Request, name: str) -> SiteFile:
    try:
        return read_site_file(_sites_dir(request), name)
    except NotFound:
        raise HTTPException(status_code=404, detail="no such site") from None


def _sites_dir(request: Request) -> Path:
    return Path(request.app.state.settings.sites_dir)
