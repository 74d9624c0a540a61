"""The takedown report in the portal: a page (one card per host and per site, so it reads on a
phone) and its typed JSON twin for automation.

Takedown and admin accounts only, like the batches (`takedown_pages.Team`). The numbers are
`jikimi.takedown.reports`' (which audits each read with the account); rows hold host and site
names and counts, never a name or a case ref. The app includes this router before the batch
pages', whose `/takedown/{batch_id}` would otherwise take "report" for a batch id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jikimi.portal.rendering import render
from jikimi.portal.takedown_pages import Team
from jikimi.takedown.reports import TakedownReport, takedown_report
from kernel.ports import Store

router = APIRouter(tags=["takedown"])


@router.get("/takedown/report", response_model=None)
def report_page(request: Request, viewer: Team) -> Response:
    report = takedown_report(_store(request), viewer.actor)
    return render(request, "takedown_report.html", viewer=viewer, report=report,
                  groups=[("by_host", report.by_host), ("by_site", report.by_site)])


@router.get("/api/takedown/report", tags=["takedown API"])
def report_json(request: Request, viewer: Team) -> TakedownReport:
    """Per host, per site and in total: counts, the median hours to removal, the refusal rate
    and the age in hours of the oldest unanswered notice (see `jikimi.takedown.reports`)."""
    return takedown_report(_store(request), viewer.actor)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store
