"""The web portal (`jikimi serve`): FastAPI, server-rendered pages, a little plain JavaScript.

`create_app(settings)` opens the configured store once (SQLite or Elasticsearch, through the
registry) and builds the routes: sign-in (`pages`), the operators' review (`review_pages`), the
takedown teams' batches (`takedown_pages`) and report (`takedown_report`, page and JSON), the
crawl targets (`site_pages`), the JSON twins for automation (`review_api`, `takedown_api`,
`site_api`), and the in-browser face engine's models and settings (`face_models`). Every route
but sign-in, `/healthz`, `/static` and the OpenAPI document needs an account;
`tests/test_portal_access.py` checks that for every operation in `/openapi.json`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jikimi import __version__, registry
from jikimi.accounts import Accounts
from jikimi.portal import (
    case_pages,
    device_enroll,
    enroll_worker,
    face_models,
    intake_pages,
    pages,
    review_api,
    review_pages,
    site_api,
    site_pages,
    takedown_api,
    takedown_notices,
    takedown_pages,
    takedown_report,
)
from jikimi.portal.rendering import LANG_COOKIE
from jikimi.portal.security import NotSignedIn
from jikimi.portal.victim_pages import router as victim_router
from kernel.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    store = registry.open_store(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="jikimi portal", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.store = store
    app.state.accounts = Accounts(store, settings.accounts)
    app.state.templates = Jinja2Templates(directory=str(_package_dir("templates")))
    app.mount("/static", StaticFiles(directory=str(_package_dir("static"))), name="static")
    app.include_router(pages.router)
    app.include_router(review_pages.router)
    app.include_router(review_api.router)
    app.include_router(takedown_report.router)  # before /takedown/{batch_id} takes "report"
    app.include_router(takedown_pages.router)
    app.include_router(takedown_api.router)
    app.include_router(takedown_notices.router)
    app.include_router(victim_router)
    app.include_router(case_pages.router)
    app.include_router(face_models.router)
    app.include_router(intake_pages.router)
    app.include_router(device_enroll.router)
    app.include_router(enroll_worker.router)
    app.add_exception_handler(RequestValidationError, device_enroll.body_problem)
    app.include_router(site_pages.router)
    app.include_router(site_api.router)

    @app.exception_handler(NotSignedIn)
    async def sign_in_first(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/") or request.method != "GET":
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.middleware("http")
    async def no_store(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault(  # a page may set its own (in-browser enrollment does)
            "Content-Security-Policy", content_security_policy(request.url.path))
        lang = request.query_params.get("lang")
        if lang in ("ko", "en"):
            response.set_cookie(LANG_COOKIE, lang, samesite="lax", secure=True, httponly=True)
        return response

    return app


def content_security_policy(path: str) -> str:
    """Only the portal's own scripts; pages under /enroll may also compile WebAssembly (the
    in-browser face engine, `face_models`), which allows wasm, not JavaScript `eval`."""
    wasm = " 'wasm-unsafe-eval'" if path.startswith(face_models.WASM_PAGES) else ""
    return ("default-src 'self'; img-src 'self'; style-src 'self'; "
            f"script-src 'self'{wasm}; form-action 'self'; frame-ancestors 'none'")


def _package_dir(name: str) -> Path:
    return Path(str(resources.files("jikimi.portal") / name))
