"""`GET /enroll-sw.js`: the service worker that keeps the enrollment page working offline.

Served from the root path so that its scope covers the pages holding the enrollment form
(`/cases/…`, `/me/enroll`). It caches only files that are the same for everyone: the face models,
onnxruntime-web and the page's scripts (`static/enroll/sw.js` lists which); never a page, a
POST or its answer, nothing personal. Anyone may fetch it, signed in or not (a browser checks it
for updates on its own), like the static files; it is not in the OpenAPI document.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter()


@router.get("/enroll-sw.js", include_in_schema=False)
def service_worker() -> Response:
    script = (resources.files("jikimi.portal") / "static" / "enroll" / "sw.js").read_bytes()
    return Response(script, media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})
