"""End to end in headless Chromium: an operator signs in, opens the queue, looks at a hit with
its preview blurred, confirms it with the keyboard, and the person's alert goes out; a phone
sized, Korean sign-in page; a takedown team builds a batch, marks a URL sent and downloads the
CSV. Screenshots are written for people to look at (see tests.browser).
"""

from __future__ import annotations

import csv
import json
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer
from tests import evidence_site
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.portal_fixtures import PASSWORD, seeded_portal

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture(autouse=True)
def _chromium() -> None:
    need_chromium()


def wait_for(driver: Any, condition: Any, timeout: float = 15) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def sign_in(driver: Any, base: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()


def test_operator_reviews_in_chromium_and_the_alert_goes_out(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    portal = seeded_portal(tmp_path / "data", demo_site.base_url)
    shots = screenshot_dir(tmp_path)
    with served(portal.settings, tmp_path) as base, chromium() as driver:
        sign_in(driver, base, portal.usernames["operator"])
        wait_for(driver, lambda d: d.current_url.endswith("/review"))
        rows = driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
        assert len(rows) == 3
        driver.save_screenshot(str(shots / "operator-queue.png"))

        driver.get(f"{base}/review/{portal.hits.matching.hit_id}?lang=en")
        preview = driver.find_element(By.ID, "preview")
        wait_for(driver, lambda d: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", preview))
        assert "greyscale" in driver.find_element(By.TAG_NAME, "body").get_attribute("class")
        assert "/preview" in preview.get_attribute("src")
        driver.save_screenshot(str(shots / "hit-detail-blurred.png"))

        driver.find_element(By.TAG_NAME, "body").send_keys("c")  # confirm, by keyboard
        wait_for(driver, lambda d: "decided=confirm" in d.current_url
                 and d.find_elements(By.CSS_SELECTOR, ".ok"))
        driver.save_screenshot(str(shots / "after-confirm.png"))

        driver.get(f"{base}/review")
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")) == 2
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

    with closing(registry.open_store(portal.settings)) as store:
        [alert] = store.alerts()
        events = {(e.action, e.subject) for e in store.audit_events()}
    assert alert.media_id == portal.hits.matching.media_id and alert.status == "sent"
    assert ("hit.review", portal.hits.matching.hit_id) in events
    assert ("media.preview", portal.hits.matching.hit_id) in events
    [copy] = portal.settings.outbox_dir.glob("*.json")
    assert "reviewer confirmed" in json.loads(copy.read_text(encoding="utf-8"))["text"]


def test_sign_in_reads_in_korean_on_a_phone(demo_site: FixtureServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    portal = seeded_portal(tmp_path / "data", demo_site.base_url)
    shots = screenshot_dir(tmp_path)
    with served(portal.settings, tmp_path) as base, chromium(390, 844) as driver:
        driver.get(f"{base}/login")
        assert driver.find_element(By.TAG_NAME, "h1").text == "로그인"
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # nothing runs off a phone's screen
        driver.save_screenshot(str(shots / "login-phone-ko.png"))
        sign_in(driver, base, portal.usernames["victim"])
        wait_for(driver, lambda d: not d.current_url.endswith("/login"))
        driver.get(f"{base}/review")
        assert "권한" in driver.page_source or "not allowed" in driver.page_source


def test_takedown_team_builds_marks_and_downloads_in_chromium(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    portal = seeded_portal(tmp_path / "data", demo_site.base_url, hit_state="confirmed")
    shots, downloads = screenshot_dir(tmp_path), tmp_path / "downloads"
    downloads.mkdir()
    with served(portal.settings, tmp_path) as base, chromium(downloads=downloads) as driver:
        sign_in(driver, base, portal.usernames["takedown"])
        wait_for(driver, lambda d: d.current_url.endswith("/takedown"))
        driver.find_element(By.CSS_SELECTOR, "form#build button[type=submit]").click()
        wait_for(driver, lambda d: "built=1" in d.current_url)
        batch_page = driver.current_url.split("?")[0]
        items = driver.find_elements(By.CSS_SELECTOR, "li.item")
        assert len(items) == 3
        first = items[0]
        item_id = first.get_attribute("data-item")
        driver.execute_script("arguments[0].value = '2026-03-10'",
                              first.find_element(By.NAME, "on"))
        first.find_element(By.NAME, "note").send_keys("abuse form")
        first.find_element(By.CSS_SELECTOR, "button.mark-sent").click()
        wait_for(driver, lambda d: "marked=sent" in d.current_url)
        marked = driver.find_element(By.ID, f"i-{item_id}")
        assert "status-sent" in marked.get_attribute("class")
        assert "2026-03-10" in marked.text
        driver.save_screenshot(str(shots / "takedown-batch.png"))

        driver.find_element(By.ID, "download-csv").click()
        deadline = time.monotonic() + 15
        while not (done := [p for p in downloads.glob("*.csv")]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert done, "the CSV was not downloaded"
        rows = list(csv.DictReader(done[0].open(encoding="utf-8")))
        assert sorted(r["status"] for r in rows) == ["pending", "pending", "sent"]
        assert next(r for r in rows if r["item_id"] == item_id)["sent_at"].startswith(
            "2026-03-10")

        driver.get(f"{base}/takedown?lang=en")
        assert driver.find_elements(By.CSS_SELECTOR, "a.batch-link")
        driver.save_screenshot(str(shots / "takedown-batches.png"))

        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
        driver.get(batch_page)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # a batch reads on a phone
        driver.save_screenshot(str(shots / "takedown-batch-phone.png"))

    with closing(registry.open_store(portal.settings)) as store:
        actions = {e.action for e in store.audit_events()}
    assert {"takedown.build", "takedown.mark", "takedown.read"} <= actions
