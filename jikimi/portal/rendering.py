"""Rendering a page in the reader's language, with what every template needs."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from jikimi.portal.device_texts import PAGE_KEYS
from jikimi.portal.i18n import TEXT, pick_language, translate
from kernel.settings import Settings

LANG_COOKIE = "jikimi_lang"
CSP = ("default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
# Pages that compute face templates in the browser need WebAssembly (onnxruntime-web), and
# the camera's picture is drawn from a blob: URL; neither lets a script be evaluated.
ENROLL_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'").replace(
    "img-src 'self'", "img-src 'self' blob:; media-src 'self' blob:; worker-src 'self' blob:")


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> Response:
    """A page in the reader's language, with what every page needs (`t`, `viewer`, …)."""
    lang = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))
    settings: Settings = request.app.state.settings
    context.setdefault("viewer", None)
    context |= {"lang": lang, "t": lambda key: translate(key, lang), "greyscale": True,
                "page_texts": lambda: {key: translate(key, lang) for key in PAGE_KEYS},
                "texts_of": lambda key: TEXT.get(key, {}),  # both languages, e.g. for a promise
                "break_minutes": settings.portal.break_minutes}
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def allow_wasm(response: Response) -> Response:
    """Mark a page that holds the device enrollment form: it may run WebAssembly."""
    response.headers["Content-Security-Policy"] = ENROLL_CSP
    return response
