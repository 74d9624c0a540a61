"""Takedown teams' pages: the batches with a form to build one, a batch's URLs with a form per
URL to mark it sent, removed or refused, and CSV/JSON downloads.

Takedown and admin accounts only. Everything goes through `jikimi.takedown`, which keeps the
rules (confirmed hits only; the date of each mark) and writes every build, read and mark to the
audit log with the account. Forms carry the session's CSRF token.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from jikimi.export import export_rows
from jikimi.portal.rendering import render
from jikimi.portal.security import Viewer, check_csrf, require
from jikimi.takedown import batch_export, batch_view, build_batch, list_batches, mark
from jikimi.takedown.lookup import attach_recipients, batch_summary
from kernel.errors import ConfigError, NotFound
from kernel.ports import Store
from kernel.settings import Settings
from kernel.takedown import ESCALATION, MARKS, TakedownBatch

router = APIRouter(prefix="/takedown", tags=["takedown"])
team = require("takedown", "admin")
Team = Annotated[Viewer, Depends(team)]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@router.get("", response_model=None)
def batches(request: Request, viewer: Team, rechecked: int | None = None, gone: int = 0,
            came_back: int = 0, escalated: int = 0) -> Response:
    followed = None if rechecked is None else {
        "rechecked": rechecked, "gone": gone, "came_back": came_back, "escalated": escalated}
    return _list_page(request, viewer, followed=followed)


@router.post("", response_model=None)
async def build(request: Request, viewer: Team, host: Annotated[str, Form()] = "",
                site: Annotated[str, Form()] = "", case: Annotated[str, Form()] = "",
                since: Annotated[str, Form()] = "",
                until: Annotated[str, Form()] = "") -> Response:
    await check_csrf(request, viewer)
    chosen = {"host": host, "site": site, "case": case, "since": since, "until": until}
    try:
        batch = build_batch(_store(request), _settings(request), viewer.actor, host=host,
                            site=site, case=case, since=day(since, "since"),
                            until=day(until, "until"))
    except (NotFound, ConfigError) as exc:
        return _list_page(request, viewer, error=str(exc), chosen=chosen, status_code=422)
    attach_recipients(_store(request), _settings(request), batch.batch_id, viewer.actor)
    return RedirectResponse(f"/takedown/{batch.batch_id}?built=1", status_code=303)


@router.get("/{batch_id}", response_model=None)
def batch_page(batch_id: str, request: Request, viewer: Team, built: str = "",
               marked: str = "", looked_up: str = "", notices_sent: int | None = None,
               notices_failed: int = 0, bundled: int | None = None,
               bundle_failed: int = 0) -> Response:
    store = _store(request)
    try:
        batch, rows = batch_view(store, batch_id, viewer.actor,
                                 _settings(request).video.sample_fps)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    items = {i.item_id: i for i in store.takedown_items(batch_id)}
    return render(request, "takedown_batch.html", viewer=viewer, batch=batch, rows=rows,
                  builder=who(store, batch.created_by), marks=MARKS, built=bool(built),
                  marked=marked if marked in MARKS else "", looked_up=bool(looked_up),
                  hosts=batch_summary(batch, Counter(r["host"] for r in rows))["hosts"],
                  items=items, steps=ESCALATION, notices_sent=notices_sent,
                  notices_failed=notices_failed, bundled=bundled, bundle_failed=bundle_failed)


@router.get("/{batch_id}/download", response_model=None)
def download(batch_id: str, request: Request, viewer: Team,
             fmt: Annotated[str, Query(alias="format")] = "csv") -> Response:
    if fmt not in MEDIA_TYPES:
        raise HTTPException(status_code=422, detail="format is csv or json")
    try:
        _, data = batch_export(_store(request), batch_id, fmt, viewer.actor,
                               sample_fps=_settings(request).video.sample_fps, via="portal")
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="jikimi-{batch_id}.{fmt}"'})


@router.post("/{batch_id}/mark", response_model=None)
async def mark_page(batch_id: str, request: Request, viewer: Team,
                    item: Annotated[str, Form()], status: Annotated[str, Form()],
                    on: Annotated[str, Form()] = "",
                    note: Annotated[str, Form()] = "") -> Response:
    await check_csrf(request, viewer)
    record_mark(request, viewer, batch_id, item, status, day(on, "date"), note)
    return RedirectResponse(f"/takedown/{batch_id}?marked={status}", status_code=303)


def record_mark(request: Request, viewer: Viewer, batch_id: str, item: str, status: str,
                when: date | None, note: str) -> list[dict[str, Any]]:
    """Mark through `jikimi.takedown`: 404 for an unknown batch or URL, 422 for a bad mark."""
    try:
        marked = mark(_store(request), batch_id, item, status, viewer.actor, when=when,
                      note=note.strip() or None)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ConfigError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return [{"item_id": i.item_id, "media_url": i.media_url, "page_url": i.page_url,
             "status": i.status, "sent_at": i.sent_at, "removed_at": i.removed_at,
             "refused_at": i.refused_at, "note": i.note} for i in marked]


def day(text: str, what: str) -> date | None:
    """A form's YYYY-MM-DD, or None when empty; 422 when it is not a day."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{what}: not a YYYY-MM-DD day") from None


def who(store: Store, actor: str) -> str:
    """An actor as people read it: an account's username, else the actor as logged."""
    if actor.startswith("account:"):
        account = store.get_account(actor.removeprefix("account:"))
        if account is not None:
            return account.username
    return actor


def _list_page(request: Request, viewer: Viewer, *, error: str = "",
               chosen: dict[str, str] | None = None, status_code: int = 200,
               followed: dict[str, int] | None = None) -> Response:
    store = _store(request)
    found: list[TakedownBatch] = list_batches(store, viewer.actor)
    rows = export_rows(store, _settings(request).video.sample_fps)  # what a batch may hold
    return render(request, "takedown.html", status_code=status_code, viewer=viewer,
                  batches=found, builders={b.created_by: who(store, b.created_by)
                                           for b in found},
                  hosts=sorted({r.host for r in rows}), cases=sorted({r.person_ref for r in rows
                                                                     if r.person_ref}),
                  sites=sorted({_page_host(r.page_url) for r in rows}), confirmed=len(rows),
                  error=error, chosen=chosen or {}, followed=followed)


def _page_host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
