"""Takedown batches as JSON, for automation with an API token (or a session).

The same checks and audit as the pages (`takedown_pages`): takedown and admin accounts only,
every build, read and mark logged with the account. Downloads are the pages' own
(`/takedown/{batch}/download?format=…`), which tokens reach too. Changes sent with a session
cookie must carry its CSRF token as an `X-CSRF-Token` header; API tokens need none.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from jikimi.portal.security import check_csrf_header
from jikimi.portal.takedown_pages import Team, record_mark
from jikimi.takedown import batch_view, build_batch, list_batches
from kernel.errors import ConfigError, NotFound
from kernel.takedown import TakedownBatch

router = APIRouter(prefix="/api/takedown", tags=["takedown API"])


class BuildRequest(BaseModel):
    host: str = Field("", max_length=255)
    site: str = Field("", max_length=255)
    case: str = Field("", max_length=255)
    since: date | None = None
    until: date | None = None


class MarkRequest(BaseModel):
    item: str = Field(..., min_length=1, max_length=8192,
                      description="an item id, a media URL or a page URL")
    status: Literal["sent", "acknowledged", "removed", "refused"]
    on: date | None = Field(None, description="the day it happened (default: now)")
    note: str = Field("", max_length=500)


@router.get("")
def batches(request: Request, viewer: Team) -> list[dict[str, Any]]:
    return [_batch(b) for b in list_batches(request.app.state.store, viewer.actor)]


@router.post("")
def build(body: BuildRequest, request: Request, viewer: Team) -> dict[str, Any]:
    check_csrf_header(request, viewer)
    try:
        batch = build_batch(request.app.state.store, request.app.state.settings, viewer.actor,
                            host=body.host, site=body.site, case=body.case, since=body.since,
                            until=body.until)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ConfigError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return _batch(batch)


@router.get("/{batch_id}")
def batch(batch_id: str, request: Request, viewer: Team) -> dict[str, Any]:
    try:
        found, rows = batch_view(request.app.state.store, batch_id, viewer.actor,
                                 request.app.state.settings.video.sample_fps)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return _batch(found) | {"items": rows}


@router.post("/{batch_id}/mark")
def mark(batch_id: str, body: MarkRequest, request: Request,
         viewer: Team) -> list[dict[str, Any]]:
    check_csrf_header(request, viewer)
    return record_mark(request, viewer, batch_id, body.item, body.status, body.on, body.note)


def _batch(batch: TakedownBatch) -> dict[str, Any]:
    return asdict(batch)
