"""An operator's steps in the portal's case pages, for the intake tests: open a case, enroll
photos into it (multipart, as a browser sends them)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from jikimi.consent import CURRENT_VERSION

OPENED = {"method": "in-person", "consent_channel": "paper",
          "consent_version": CURRENT_VERSION, "consent_accepted": "yes"}


def open_case(client: TestClient, csrf: str, **fields: str) -> str:
    """Open a case through the form; its id."""
    answer = client.post("/cases", data={"csrf": csrf, **OPENED, **fields})
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/cases/([0-9a-f]+)\?opened=1", answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return found.group(1)


def upload(client: TestClient, csrf: str, case_id: str, photos: list[tuple[str, bytes]],
           **fields: str) -> Response:
    """Post the enrollment form with `photos` as (file name, bytes)."""
    files = [("photos", (name, data, "image/jpeg")) for name, data in photos]
    return client.post(f"/cases/{case_id}/enroll", data={"csrf": csrf, "name": "Kim Ana",
                                                         **fields}, files=files)


def text_of(html: str) -> str:
    """The page's words without tags, spaces collapsed, entities left as they are."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
