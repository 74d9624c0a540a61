"""A portal with one account per role and a sites folder, for the sites pages' tests.

No hits and no fixture web site: the sites pages read the sites folder and the audit log only.
Crawls are stood in for by their audit events (`record_crawl_in` with a made-up report), so the
statistics can be checked on known numbers and days.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from crawlers.report import CrawlReport
from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.crawl_log import record_crawl_in, site_subject
from jikimi.portal.app import create_app
from kernel.records import AuditEvent
from kernel.settings import Settings
from tests.portal_fixtures import PASSWORD, ROLES, portal_settings

GALLERY = """name: gallery
start_urls: ['https://gallery.example/']
schedule: '0 */6 * * *'
max_pages: 50
headers: {Accept-Language: ko, X-Api-Key: hunter2-secret-value}
"""


@dataclass
class SitesPortal:
    settings: Settings
    usernames: dict[str, str]  # role -> username
    tokens: dict[str, str]  # role -> API token
    actors: dict[str, str]  # role -> "account:<id>", as the audit log names it

    def client(self) -> TestClient:
        return TestClient(create_app(self.settings), base_url="https://testserver",
                          follow_redirects=False)

    @property
    def sites_dir(self) -> Path:
        return Path(self.settings.sites_dir)

    def write_site(self, name: str, text: str) -> Path:
        self.sites_dir.mkdir(parents=True, exist_ok=True)
        path = self.sites_dir / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def audit(self, name: str) -> list[AuditEvent]:
        with closing(registry.open_store(self.settings)) as store:
            return store.audit_events(site_subject(name))

    def crawled(self, report: CrawlReport, at: datetime) -> None:
        """Record a crawl of `report.site` that ended at `at`, as `jikimi.flow` does."""
        with closing(registry.open_store(self.settings)) as store:
            record_crawl_in(store, report, at=at)


def sites_portal(data_dir: Path) -> SitesPortal:
    settings = portal_settings(data_dir)
    usernames, tokens, actors = {}, {}, {}
    with closing(registry.open_store(settings)) as store:
        accounts = Accounts(store, settings.accounts)
        for role in ROLES:
            account = accounts.create_account(f"{role}-lee", PASSWORD, role, actor="test",
                                              case_id="case-1" if role == "victim" else None)
            usernames[role] = account.username
            actors[role] = f"account:{account.account_id}"
            tokens[role] = accounts.issue_token(account.account_id, "tests", actor="test").token
    return SitesPortal(settings, usernames, tokens, actors)

