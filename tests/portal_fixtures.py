"""A portal over a seeded store, with one account per role, for the portal's tests.

The hits point at the demo fixture site (`tests.evidence_site`), so previews are fetched for
real through the address guard (loopback allowed for this purpose only). Passwords are hashed
with cheap argon2 parameters: the tests exercise the flow, not the hashing cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.portal.app import create_app
from kernel.settings import Settings
from tests.evidence_site import Hits, seed_hits

PASSWORD = "correct horse battery staple 42"
ROLES = ("victim", "operator", "takedown", "admin")


@dataclass
class Portal:
    settings: Settings
    hits: Hits
    usernames: dict[str, str]  # role -> username
    tokens: dict[str, str]  # role -> API token

    def client(self) -> TestClient:
        return TestClient(create_app(self.settings), base_url="https://testserver",
                          follow_redirects=False)


def portal_settings(data_dir: Path, **fields: object) -> Settings:
    settings = Settings.model_validate({
        "data_dir": data_dir,
        "accounts": {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1},
        "portal": {"allow_private_media": True},
        "crawl": {"allow_private": True},  # journeys crawl the fixture site on 127.0.0.1 …
        "evidence": {"allow_private": True},  # … and preserving evidence refetches from it
        **fields,
    })
    return settings


def seeded_portal(data_dir: Path, base_url: str, hit_state: str = "new",
                  **fields: object) -> Portal:
    """The three demo hits awaiting review (or already in `hit_state`) and one account per
    role; `fields` are settings."""
    settings = portal_settings(data_dir, **fields)
    with closing(registry.open_store(settings)) as store:
        hits = seed_hits(store, base_url, state=hit_state)
        accounts = Accounts(store, settings.accounts)
        usernames, tokens = {}, {}
        for role in ROLES:
            case = "case-1" if role == "victim" else None
            account = accounts.create_account(f"{role}-kim", PASSWORD, role, actor="test",
                                              case_id=case)
            usernames[role] = account.username
            tokens[role] = accounts.issue_token(account.account_id, "tests", actor="test").token
    return Portal(settings, hits, usernames, tokens)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return the CSRF token the next forms must carry."""
    form = client.get("/login")
    token = _csrf(form.text)
    answer = client.post("/login", data={"username": username, "password": password,
                                          "csrf": token})
    assert answer.status_code == 303, answer.text
    page = client.get("/", follow_redirects=True)  # the role's own workplace
    return _csrf(page.text) if 'name="csrf"' in page.text else ""


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def clients(portal: Portal) -> Iterator[tuple[str, TestClient]]:
    for role in ROLES:
        with portal.client() as client:
            sign_in(client, portal.usernames[role])
            yield role, client
