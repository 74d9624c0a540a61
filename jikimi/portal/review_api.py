"""The review queue and decisions as JSON, for automation with an API token (or a session).

The same checks and audit as the pages (`review_pages`): operator or admin only, every read and
decision logged with the account. Decisions sent with a session cookie must carry its CSRF
token as a form field or an `X-CSRF-Token` header; API tokens need none (no browser sends them).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from jikimi.portal.review_pages import Reviewer, record_decision, rows_for
from jikimi.portal.security import check_csrf_header
from kernel.records import AuditEvent

router = APIRouter(prefix="/api/review", tags=["review API"])


class Decision(BaseModel):
    decision: Literal["confirm", "reject", "not_sexual", "escalate"]
    note: str = Field("", max_length=500)


@router.get("")
def queue(request: Request, viewer: Reviewer, site: str = "", case: str = "",
          state: str = "new") -> list[dict[str, Any]]:
    rows = rows_for(request, site=site, case=case, state=state)
    request.app.state.store.record_audit(AuditEvent(
        action="review.queue", actor=viewer.actor, subject="queue",
        detail={"state": state, "site": site, "case": case, "shown": len(rows), "api": True}))
    return rows


@router.post("/{hit_id}")
def decide(hit_id: str, body: Decision, request: Request,
           viewer: Reviewer) -> dict[str, Any]:
    check_csrf_header(request, viewer)
    return record_decision(request, viewer, hit_id, body.decision, body.note)
