"""The takedown pages' paperwork: look up a batch's recipients, download its notices (letters,
.eml, referral, Lumen and hash files) as one zip, send them, bundle its evidence, and re-check
every followed URL now rather than at night.

Takedown and admin accounts only, as the rest of `/takedown`. Pages post forms with the
session's CSRF token and come back to the batch page with what happened; the `/api/takedown`
twins answer JSON for tokens. Everything runs through `jikimi.takedown` and `jikimi.evidence`,
which audit each lookup, read, send and bundle with the account.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from jikimi import registry
from jikimi.evidence.bundle import build_bundle
from jikimi.portal.security import check_csrf
from jikimi.portal.takedown_pages import Team
from jikimi.takedown.followup import follow_up
from jikimi.takedown.lookup import attach_recipients
from jikimi.takedown.paperwork import Paperwork, prepare, send
from kernel.errors import ConfigError, JikimiError, NotFound
from kernel.ports import Store
from kernel.settings import Settings
from kernel.takedown import EscalationStep
from search.evidence.audited import AuditedEvidence

router = APIRouter(tags=["takedown"])
Step = Literal["hosting", "registrar", "regulator"]


@router.post("/takedown/recheck", response_model=None)
async def recheck_page(request: Request, viewer: Team) -> Response:
    """What the nightly housekeeping runs, now: fetch every followed URL again, mark the gone
    ones removed, put the ones that came back in line again, escalate the unanswered."""
    await check_csrf(request, viewer)
    done = _follow_up(request, viewer.actor)
    return RedirectResponse(f"/takedown?rechecked={done['checked']}&gone={done['gone']}"
                            f"&came_back={done['came_back']}&escalated={done['escalated']}",
                            status_code=303)


@router.post("/api/takedown/recheck", tags=["takedown API"])
async def recheck_api(request: Request, viewer: Team) -> dict[str, Any]:
    await check_csrf(request, viewer)
    return _follow_up(request, viewer.actor)


@router.post("/takedown/{batch_id}/recipients", response_model=None)
async def look_up(batch_id: str, request: Request, viewer: Team) -> Response:
    await check_csrf(request, viewer)
    _recipients(request, batch_id, viewer.actor)
    return RedirectResponse(f"/takedown/{batch_id}?looked_up=1#recipients", status_code=303)


@router.get("/takedown/{batch_id}/notices.zip", response_model=None)
def notices_zip(batch_id: str, request: Request, viewer: Team,
                step: Step = "hosting") -> Response:
    """Every file `jikimi takedown notices` writes, as one zip."""
    with tempfile.TemporaryDirectory(prefix="jikimi-notices-") as folder:
        papers = _prepare(request, batch_id, viewer.actor, Path(folder), step)
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in papers.files:
                archive.write(Path(folder) / name, f"{batch_id}/{name}")
    return Response(data.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="jikimi-{batch_id}-{step}-notices.zip"'})


@router.post("/takedown/{batch_id}/notices/send", response_model=None)
async def send_page(batch_id: str, request: Request, viewer: Team,
                    step: Step = "hosting") -> Response:
    await check_csrf(request, viewer)
    papers = _send(request, batch_id, viewer.actor, step)
    sent = sum(1 for s in papers.sent if s.ok)
    return RedirectResponse(f"/takedown/{batch_id}?notices_sent={sent}&notices_failed="
                            f"{len(papers.sent) - sent}#notices", status_code=303)


@router.post("/takedown/{batch_id}/bundle", response_model=None)
async def bundle_page(batch_id: str, request: Request, viewer: Team) -> Response:
    await check_csrf(request, viewer)
    report = _bundle(request, batch_id, viewer.actor)
    return RedirectResponse(f"/takedown/{batch_id}?bundled={report['captured']}"
                            f"&bundle_failed={report['failed']}#notices", status_code=303)


@router.post("/api/takedown/{batch_id}/recipients", tags=["takedown API"])
async def look_up_api(batch_id: str, request: Request, viewer: Team) -> dict[str, Any]:
    await check_csrf(request, viewer)
    return _recipients(request, batch_id, viewer.actor)


@router.post("/api/takedown/{batch_id}/notices/send", tags=["takedown API"])
async def send_api(batch_id: str, request: Request, viewer: Team,
                   step: Step = "hosting") -> dict[str, Any]:
    await check_csrf(request, viewer)
    summary = _send(request, batch_id, viewer.actor, step).summary()
    return {k: v for k, v in summary.items() if k not in ("out_dir", "files")}


@router.post("/api/takedown/{batch_id}/bundle", tags=["takedown API"])
async def bundle_api(batch_id: str, request: Request, viewer: Team) -> dict[str, Any]:
    await check_csrf(request, viewer)
    return _bundle(request, batch_id, viewer.actor)


def _recipients(request: Request, batch_id: str, actor: str) -> dict[str, Any]:
    store, settings = _context(request)
    try:
        batch = attach_recipients(store, settings, batch_id, actor)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return {"batch_id": batch_id, "hosts": {h: len(r.contacts)
                                            for h, r in batch.recipients.items()}}


def _prepare(request: Request, batch_id: str, actor: str, folder: Path,
             step: EscalationStep) -> Paperwork:
    store, settings = _context(request)
    evidence = AuditedEvidence(registry.open_evidence(settings), store, actor)
    try:
        return prepare(store, settings, batch_id, actor, folder, evidence=evidence, step=step)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ConfigError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def _send(request: Request, batch_id: str, actor: str, step: EscalationStep) -> Paperwork:
    store, settings = _context(request)
    with tempfile.TemporaryDirectory(prefix="jikimi-notices-") as folder:
        papers = _prepare(request, batch_id, actor, Path(folder), step)
        try:
            return send(store, settings, papers, actor)
        except ConfigError as exc:  # no SMTP server configured
            raise HTTPException(status_code=409, detail=str(exc)) from None


def _bundle(request: Request, batch_id: str, actor: str) -> dict[str, Any]:
    store, settings = _context(request)
    try:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, actor)
        report = build_bundle(store, evidence, settings, batch_id)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except JikimiError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from None
    return {"batch_id": batch_id, "bundle": report.prefix, "urls": report.urls,
            "captured": report.captured, "failed": report.failed, "errors": report.errors}


def _follow_up(request: Request, actor: str) -> dict[str, Any]:
    store, settings = _context(request)
    done = follow_up(store, settings, actor)
    return done.summary() | {"error_lines": done.recheck.errors[:20]}


def _context(request: Request) -> tuple[Store, Settings]:
    return request.app.state.store, request.app.state.settings
