"""The operators' review: the queue, one hit with its blurred preview, and the decision.

Every read is audit-logged with the account (the queue, a hit, a preview, an unblur), as is every
decision (`jikimi.review.decide`). A confirmation sends the person's alert at once. The preview
is greyscale and blurred; the original is served only on the reviewer's click, from memory.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from jikimi import registry
from jikimi.evidence.preserve import preserve_hit
from jikimi.flow import alert_stage
from jikimi.listing import hit_rows
from jikimi.portal.preview import blurred_jpeg, media_bytes, plain_jpeg, still_of
from jikimi.portal.rendering import render
from jikimi.portal.security import Viewer, check_csrf, require
from jikimi.review import decide, find_hit, precision_report
from kernel.errors import ConfigError, DeliveryError, JikimiError, NotFound
from kernel.ports import Escalation, EvidenceLocker
from kernel.records import DECISION_STATES, AuditEvent, ReviewDecision
from kernel.settings import Settings
from kernel.timeranges import format_ranges
from search.evidence.audited import AuditedEvidence

router = APIRouter(prefix="/review", tags=["review"])
reviewer = require("operator", "admin")
Reviewer = Annotated[Viewer, Depends(reviewer)]
STATES = ["new", "confirmed", "rejected", "not_sexual", "escalated", "taken_down"]


def rows_for(request: Request, *, site: str = "", case: str = "",
             state: str = "new") -> list[dict[str, Any]]:
    """Hit rows in review order, with site and pseudonymous case, filtered."""
    return filtered(all_rows(request), site=site, case=case, state=state)


def all_rows(request: Request) -> list[dict[str, Any]]:
    """Every hit row in review order, with its site, page path and pseudonymous case."""
    store = request.app.state.store
    refs = {p.person_id: p.ref for p in store.list_persons()}
    rows = hit_rows(store, request.app.state.settings, order="review")
    for row in rows:
        page = urlsplit(str(row["page_url"] or ""))
        row["site"], row["page_path"] = page.hostname or "", page.path or "/"
        row["person_ref"] = refs.get(row["person_id"], "")
    return rows


def filtered(rows: list[dict[str, Any]], *, site: str = "", case: str = "",
             state: str = "new") -> list[dict[str, Any]]:
    return [row for row in rows
            if (not state or row["review_state"] == state) and (not site or row["site"] == site)
            and (not case or row["person_ref"] == case)]


@router.get("", response_model=None)
def queue(request: Request, viewer: Reviewer, site: str = "", case: str = "",
          state: str = "new", decided: str = "") -> Response:
    everything = all_rows(request)  # one read of the store for the rows and the filters
    rows = filtered(everything, site=site, case=case, state=state)
    _audit(request, viewer, "review.queue", "queue", state=state, site=site, case=case,
           shown=len(rows))
    return render(request, "queue.html", viewer=viewer, rows=rows,
                  sites=sorted({r["site"] for r in everything if r["site"]}),
                  cases=sorted({r["person_ref"] for r in everything if r["person_ref"]}),
                  states=STATES, filters={"site": site, "case": case, "state": state},
                  decided=decided if decided in DECISION_STATES else "")


@router.get("/report", response_model=None)
def report(request: Request, viewer: Reviewer) -> Response:
    rows = precision_report(request.app.state.store)
    _audit(request, viewer, "review.report", "report")
    return render(request, "report.html", viewer=viewer, rows=rows)


@router.get("/media/{media_id}", response_model=None)
def by_media(media_id: str, request: Request, viewer: Reviewer) -> Response:
    """Where Kibana's "view (blurred)" links land: the media's first hit."""
    hits = [h for h in request.app.state.store.hits() if h.media_id == media_id]
    if not hits:
        raise HTTPException(status_code=404, detail="no hit on this media")
    first = min(hits, key=lambda h: (h.created_at, h.hit_id))
    return RedirectResponse(f"/review/{first.hit_id}", status_code=303)


@router.get("/{hit_id}", response_model=None)
def hit_page(hit_id: str, request: Request, viewer: Reviewer, decided: str = "",
             preserved: int | None = None) -> Response:
    rows = rows_for(request, state="")
    row = next((r for r in rows if r["hit_id"] == hit_id), None)
    if row is None:
        raise HTTPException(status_code=404, detail="no such hit")
    row["time_ranges_text"] = format_ranges([tuple(r) for r in row["time_ranges"]])
    waiting = [r["hit_id"] for r in rows if r["review_state"] == "new"]
    place = waiting.index(hit_id) if hit_id in waiting else -1
    _audit(request, viewer, "hit.read", hit_id)
    return render(request, "hit.html", viewer=viewer, row=row,
                  decided=decided if decided in DECISION_STATES else "", preserved=preserved,
                  previous=waiting[place - 1] if place > 0 else None,
                  following=_after(waiting, hit_id))


@router.get("/{hit_id}/preview", response_model=None)
def preview(hit_id: str, request: Request, viewer: Reviewer) -> Response:
    settings: Settings = request.app.state.settings
    image = _still(request, hit_id)
    _audit(request, viewer, "media.preview", hit_id)
    return Response(blurred_jpeg(image, settings.portal.blur_radius), media_type="image/jpeg")


@router.get("/{hit_id}/original", response_model=None)
def original(hit_id: str, request: Request, viewer: Reviewer) -> Response:
    image = _still(request, hit_id)
    _audit(request, viewer, "media.unblur", hit_id)
    return Response(plain_jpeg(image), media_type="image/jpeg")


@router.post("/{hit_id}/decide", response_model=None)
async def decide_page(hit_id: str, request: Request, decision: Annotated[str, Form()],
                      viewer: Reviewer, note: Annotated[str, Form()] = "") -> Response:
    await check_csrf(request, viewer)
    waiting = [r["hit_id"] for r in rows_for(request)]
    record_decision(request, viewer, hit_id, decision, note)
    following = _after(waiting, hit_id)
    target = f"/review/{following}?decided={decision}" if following else \
        f"/review?decided={decision}"
    return RedirectResponse(target, status_code=303)


@router.post("/{hit_id}/preserve", response_model=None)
async def preserve(hit_id: str, request: Request, viewer: Reviewer) -> Response:
    """Preserve the hit's media and page as evidence (fetched again, hashed, locked), with the
    reviewer's account as the operator of record."""
    await check_csrf(request, viewer)
    store = request.app.state.store
    settings: Settings = request.app.state.settings
    try:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, viewer.actor)
        report = preserve_hit(store, evidence, settings, hit_id)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except JikimiError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from None
    preserved = sum(1 for capture in report.captures if capture.key)
    return RedirectResponse(f"/review/{hit_id}?preserved={preserved}", status_code=303)


def record_decision(request: Request, viewer: Viewer, hit_id: str, decision: str,
                    note: str) -> dict[str, Any]:
    """Decide through `jikimi.review`; a confirmation's alert is delivered at once."""
    if decision not in DECISION_STATES:
        raise HTTPException(status_code=422, detail=f"unknown decision {decision!r}")
    settings: Settings = request.app.state.settings
    store = request.app.state.store
    chosen: ReviewDecision = decision  # type: ignore[assignment]
    try:
        escalation: Escalation | None = (registry.open_escalation(settings)
                                         if decision == "escalate" else None)
        outcome = decide(store, hit_id, chosen, viewer.actor, note=note.strip() or None,
                         escalation=escalation)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except (ConfigError, DeliveryError) as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    sent = alert_stage(settings, store).sent if outcome.new_alert else 0
    return {"hit_id": hit_id, "decision": decision, "review_state": outcome.review_state,
            "alert": outcome.new_alert, "alerts_sent": sent,
            "escalated_to": outcome.escalated_to}


def _still(request: Request, hit_id: str) -> Any:
    store = request.app.state.store
    settings: Settings = request.app.state.settings
    try:
        hit = find_hit(store, hit_id)
        return still_of(media_bytes(store, _locker(settings), hit, settings).data, hit,
                        settings)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except JikimiError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from None


def _locker(settings: Settings) -> EvidenceLocker | None:
    try:
        return registry.open_evidence(settings)
    except JikimiError:
        return None  # no evidence locker reachable: fetch the media again instead


def _after(waiting: list[str], hit_id: str) -> str | None:
    if hit_id not in waiting:
        return waiting[0] if waiting else None
    place = waiting.index(hit_id)
    return waiting[place + 1] if place + 1 < len(waiting) else None


def _audit(request: Request, viewer: Viewer, action: str, subject: str, **detail: Any) -> None:
    request.app.state.store.record_audit(AuditEvent(action=action, actor=viewer.actor,
                                                    subject=subject, detail=detail))
