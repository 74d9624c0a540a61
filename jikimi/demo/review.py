"""The demo's review step, done through the portal as an operator would: nobody was alerted by
the run; the demo operator's account reads the queue over the portal's API and confirms what is
there, and each confirmation sends the person's alert.

The demo makes its accounts afresh each run (its folder is reset) with random passwords, and
prints them so a person can sign in and look (`jikimi demo --serve` keeps the portal up).
"""

from __future__ import annotations

import json
import secrets
import ssl
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jikimi import registry
from jikimi.accounts import Accounts
from kernel.settings import Settings

DEMO_OPERATOR = "demo-operator"


@dataclass
class DemoAccount:
    username: str
    role: str
    password: str


@dataclass
class ReviewStep:
    queued_pages: list[str]
    alerts_before: int
    confirmed: int = 0
    sent: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


def make_accounts(settings: Settings) -> tuple[list[DemoAccount], str]:
    """The demo's operator (and an admin), and an API token for the operator."""
    made, token = [], ""
    with closing(registry.open_store(settings)) as store:
        accounts = Accounts(store, settings.accounts)
        for username, role in ((DEMO_OPERATOR, "operator"), ("demo-admin", "admin")):
            password = f"demo-{secrets.token_urlsafe(12)}"
            account = accounts.create_account(username, password, role, actor="demo")
            made.append(DemoAccount(account.username, role, password))
            if role == "operator":
                token = accounts.issue_token(account.account_id, "demo review", actor="demo",
                                             days=1).token
    return made, token


def review_through_portal(settings: Settings, person_id: str, url: str, cert: Path
                          ) -> ReviewStep:
    accounts, token = make_accounts(settings)
    with closing(registry.open_store(settings)) as store:
        before = len(store.alerts(person_id=person_id))
    api = PortalApi(url, cert, token)
    queue = api.call("GET", "/api/review")
    pages = sorted({urlsplit(str(row["page_url"])).path.lstrip("/") for row in queue})
    step = ReviewStep(pages, before, accounts=accounts)
    for row in queue:
        outcome = api.call("POST", f"/api/review/{row['hit_id']}",
                           {"decision": "confirm", "note": "demo: the demo person, checked"})
        step.confirmed += 1
        step.sent += int(outcome["alerts_sent"])
    return step


class PortalApi:
    """The portal's JSON API over HTTPS, trusting only the demo's own certificate."""

    def __init__(self, base_url: str, cert: Path, token: str) -> None:
        self.base_url = base_url
        self.context = ssl.create_default_context(cafile=str(cert))
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
            return json.loads(response.read())
