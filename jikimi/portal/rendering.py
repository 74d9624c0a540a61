"""Rendering a page in the reader's language, with what every template needs."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from jikimi.portal.i18n import pick_language, translate
from kernel.settings import Settings

LANG_COOKIE = "jikimi_lang"


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> Response:
    """A page in the reader's language, with what every page needs (`t`, `viewer`, …)."""
    lang = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))
    settings: Settings = request.app.state.settings
    context.setdefault("viewer", None)
    context |= {"lang": lang, "t": lambda key: translate(key, lang), "greyscale": True,
                "break_minutes": settings.portal.break_minutes}
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)
