"""The takedown report: every number per host, per site and in total, from items in every status
with known dates (an escalated notice timed from its first sending, a removed URL that came
back, a family re-upload, an item whose sighting is gone); the JSON CLI; the portal page and
API for a takedown account, refused to others; a Korean page on a phone in headless Chromium.
"""

from __future__ import annotations

import json
import re
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.cli import main
from jikimi.portal.app import create_app
from jikimi.takedown import ReportRow, build_batch, takedown_report
from jikimi.takedown.marks import record_sent
from kernel.ports import Store
from kernel.settings import Settings
from kernel.takedown import TakedownBatch, TakedownItem, TakedownStatus
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.portal_fixtures import PASSWORD, ROLES, portal_settings, sign_in
from tests.takedown_fixtures import add_hit, media_url, seed

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=10)
ACTOR = "test:reports"


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def seed_takedowns(store: Store, settings: Settings) -> None:
    """Ten items. a.example (site alpha): a1 sent then removed after 24 h; a3 acknowledged;
    a4 pending; a5 sent at +48 h, unanswered; a6 removed, then back (pending again).
    b.example: a2 (beta) refused; b1 (beta) sent, escalated a day later, removed at +96 h;
    c1 (site alpha) sent at +24 h, unanswered; d1 (beta) a family re-upload removed 6 h after
    its notice. cdn.example: one pending item whose media was never seen (site: page host)."""
    seeded = seed(store)
    for label in ("a4", "a5", "a6"):
        add_hit(store, seeded.ana, label)
    add_hit(store, seeded.bo, "c1", host="b.example", site="alpha")
    add_hit(store, seeded.bo, "d1", host="b.example", site="beta")
    batch = build_batch(store, settings, ACTOR)
    items = {i.media_url: i.item_id for i in store.takedown_items(batch.batch_id)}
    assert len(items) == 9

    def item(label: str, host: str = "a.example") -> str:
        return items[media_url(label, host)]

    def marks(label: str, *steps: tuple[TakedownStatus, datetime],
              host: str = "a.example") -> None:
        for status, at in steps:
            store.set_takedown_status(item(label, host), status, at)

    marks("a1", ("sent", T0), ("removed", hours(24)))
    marks("a3", ("sent", T0), ("acknowledged", hours(2)))
    marks("a5", ("sent", hours(48)))
    marks("a6", ("sent", T0), ("removed", hours(12)), ("pending", hours(200)))
    marks("a2", ("sent", T0), ("refused", hours(72)), host="b.example")
    record_sent(store, item("b1", "b.example"), "abuse@host.example", "hosting", ACTOR, T0)
    record_sent(store, item("b1", "b.example"), "abuse@registrar.example", "registrar", ACTOR,
                hours(24))
    marks("b1", ("removed", hours(96)), host="b.example")
    marks("c1", ("sent", hours(24)), host="b.example")
    store.change_takedown_item(item("d1", "b.example"),
                               lambda i: replace(i, origin="family", family_of="media-a2"))
    marks("d1", ("sent", hours(120)), ("removed", hours(126)), host="b.example")
    store.add_takedown_batch(TakedownBatch("td-lost", ACTOR, T0, item_count=1), [TakedownItem(
        "td-lost", "https://cdn.example/x.jpg", "https://pages.example/p.html", "cdn.example",
        "f" * 64, ["hit-gone"])])


def row(name: str, items: int, sent: int = 0, acknowledged: int = 0, removed: int = 0,
        refused: int = 0, still_up: int = 0, reuploads: int = 0,
        median: float | None = None, rate: float | None = None,
        oldest: float | None = None) -> ReportRow:
    return ReportRow(name, items, sent, acknowledged, removed, refused, still_up, reuploads,
                     median, rate, oldest)


HOSTS = [row("a.example", 5, sent=4, acknowledged=1, removed=1, still_up=2, reuploads=1,
             median=24.0, rate=0.0, oldest=192.0),
         row("b.example", 4, sent=4, removed=2, refused=1, still_up=1, reuploads=1,
             median=51.0, rate=0.25, oldest=216.0),  # b1: 96 h from its first notice, d1: 6 h
         row("cdn.example", 1)]
SITES = [row("alpha", 6, sent=5, acknowledged=1, removed=1, still_up=3, reuploads=1,
             median=24.0, rate=0.0, oldest=216.0),
         row("beta", 3, sent=3, removed=2, refused=1, reuploads=1, median=51.0, rate=1 / 3),
         row("pages.example", 1)]
TOTALS = row("", 10, sent=8, acknowledged=1, removed=3, refused=1, still_up=3, reuploads=2,
             median=24.0, rate=0.125, oldest=216.0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = portal_settings(tmp_path)
    with closing(registry.open_store(settings)) as store:
        seed_takedowns(store, settings)
    return settings


def test_every_number_per_host_per_site_and_in_total(settings: Settings) -> None:
    with closing(registry.open_store(settings)) as store:
        report = takedown_report(store, "account:reporter", now=NOW)
        events = [e for e in store.audit_events("takedown") if e.action == "takedown.report"]
    assert report.made_at == NOW
    assert report.by_host == HOSTS
    assert report.by_site == SITES
    assert report.totals == TOTALS
    [event] = events
    assert event.actor == "account:reporter"
    assert event.detail == {"items": 10, "hosts": 3, "sites": 3}


def test_no_items_no_numbers(tmp_path: Path) -> None:
    with closing(registry.open_store(portal_settings(tmp_path))) as store:
        report = takedown_report(store, ACTOR, now=NOW)
    assert (report.by_host, report.by_site, report.totals) == ([], [], row("", 0))


def test_the_cli_prints_a_table_or_json(settings: Settings,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--data-dir", str(settings.data_dir), "takedown", "report"]
    assert main([*argv, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"made_at", "by_host", "by_site", "totals"}
    assert [r["name"] for r in printed["by_host"]] == ["a.example", "b.example", "cdn.example"]
    assert [r["name"] for r in printed["by_site"]] == ["alpha", "beta", "pages.example"]
    assert printed["totals"]["items"] == 10 and printed["totals"]["refusal_rate"] == 0.125
    beta = printed["by_site"][1]
    assert (beta["removed"], beta["median_hours_to_removal"]) == (2, 51.0)
    assert printed["by_host"][2]["median_hours_to_removal"] is None
    made = datetime.fromisoformat(printed["made_at"])  # ages run to the real time here
    assert printed["totals"]["oldest_unanswered_hours"] == pytest.approx(
        (made - hours(24)).total_seconds() / 3600)  # c1, sent at +24 h

    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["host", "items", "sent", "ack", "removed", "refused", "up",
                                "reup", "median_h", "refusal", "oldest_h"]
    assert lines[2].split()[0] == "b.example" and lines[2].split()[-3:-1] == ["51.0", "25%"]
    assert re.fullmatch(r"\d+\.\d", lines[2].split()[-1])
    assert lines[3].split() == ["cdn.example", "1", *["0"] * 6, "-", "-", "-"]
    assert lines[4].split()[:2] == ["(all)", "10"]
    assert "site" in lines[6] and lines[8].split()[0] == "beta"
    assert lines[8].split()[-2] == "33%"


def accounts(settings: Settings) -> dict[str, str]:
    """One account per role; their API tokens by role."""
    with closing(registry.open_store(settings)) as store:
        made = Accounts(store, settings.accounts)
        tokens = {}
        for role in ROLES:
            account = made.create_account(f"{role}-kim", PASSWORD, role, actor="test",
                                          case_id="case-1" if role == "victim" else None)
            tokens[role] = made.issue_token(account.account_id, "tests", actor="test").token
    return tokens


def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="https://testserver",
                      follow_redirects=False)


def test_the_portal_shows_the_report_to_takedown_teams(settings: Settings) -> None:
    tokens = accounts(settings)
    with client(settings) as browser:
        sign_in(browser, "takedown-kim")
        listing = browser.get("/takedown?lang=en")
        assert 'href="/takedown/report"' in listing.text
        page = browser.get("/takedown/report?lang=en")
        assert page.status_code == 200
        text = page.text
        assert "Takedown report" in text and "By host" in text and "By site" in text
        for name in ("a.example", "b.example", "cdn.example", "alpha", "beta",
                     "pages.example"):
            assert f'data-name="{name}"' in text
        assert '<dd class="median">2.1 days</dd>' in text  # b.example, beta: 51 h
        assert '<dd class="refusal">25%</dd>' in text and '<dd class="refusal">33%</dd>' in text
        assert re.search(r'<dd class="oldest warn">\d+(\.\d)? days</dd>', text)  # real time
        for secret in ("CASE-ANA", "CASE-BO", "Secretname", "media/a1.jpg"):
            assert secret not in text  # no names, case refs or URLs
        korean = browser.get("/takedown/report?lang=ko").text
        assert "삭제 요청 현황" in korean and "호스트별" in korean and "2.1일" in korean

    with client(settings) as api:
        answer = api.get("/api/takedown/report",
                         headers={"Authorization": f"Bearer {tokens['admin']}"})
        assert answer.status_code == 200
        body = answer.json()
        assert [r["name"] for r in body["by_site"]] == ["alpha", "beta", "pages.example"]
        assert body["totals"]["still_up"] == 3 and body["totals"]["reuploads"] == 2
        assert body["by_host"][1]["median_hours_to_removal"] == 51.0

    with closing(registry.open_store(settings)) as store:
        actors = [e.actor for e in store.audit_events("takedown")
                  if e.action == "takedown.report"]
        takedown = store.get_account_by_username("takedown-kim")
        admin = store.get_account_by_username("admin-kim")
    assert takedown is not None and admin is not None
    assert actors == [f"account:{takedown.account_id}"] * 2 + [f"account:{admin.account_id}"]


def test_others_are_refused_the_report(settings: Settings) -> None:
    tokens = accounts(settings)
    for role in ("operator", "victim"):
        with client(settings) as browser:
            sign_in(browser, f"{role}-kim")
            page = browser.get("/takedown/report")
            assert page.status_code == 403, role
            assert "a.example" not in page.text
            assert 'href="/takedown/report"' not in page.text
            api = browser.get("/api/takedown/report",
                              headers={"Authorization": f"Bearer {tokens[role]}"})
            assert api.status_code == 403, role
    with client(settings) as anonymous:
        assert anonymous.get("/takedown/report").headers["location"] == "/login"
        assert anonymous.get("/api/takedown/report").status_code in (401, 403)
    with closing(registry.open_store(settings)) as store:
        assert not [e for e in store.audit_events() if e.action == "takedown.report"]


def test_the_report_reads_in_korean_on_a_phone(settings: Settings, tmp_path: Path) -> None:
    """The screenshot is for people to check: JIKIMI_SCREENSHOTS=docs/screenshots keeps it as
    docs/screenshots/takedown-report-ko.png (tests.browser)."""
    need_chromium()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    accounts(settings)
    shots = screenshot_dir(tmp_path)
    with served(settings, tmp_path) as base, chromium(390, 844) as opened:
        driver: Any = opened
        driver.get(f"{base}/login")
        driver.find_element(By.NAME, "username").send_keys("takedown-kim")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/takedown"))
        driver.find_element(By.CSS_SELECTOR, 'nav a[href="/takedown/report"]').click()
        WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/takedown/report"))
        assert driver.find_element(By.TAG_NAME, "h1").text == "삭제 요청 현황"
        hosts = driver.find_elements(By.CSS_SELECTOR, "#by_host .report-row h3")
        assert [h.text for h in hosts] == ["a.example", "b.example", "cdn.example"]
        beta = driver.find_element(By.CSS_SELECTOR, '#by_site [data-name="beta"]')
        assert "2.1일" in beta.text and "33%" in beta.text
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # nothing runs off a phone's screen
        driver.save_screenshot(str(shots / "takedown-report-ko.png"))
