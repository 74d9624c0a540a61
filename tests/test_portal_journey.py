"""The whole journey in headless Chromium, one step feeding the next: an operator opens a case
and enrolls her from a photo; a crawl of the demo site runs; nobody is alerted; the operator
reviews each hit with its preview blurred and confirms it; her alerts go out; she signs in on
her phone and reads her confirmed findings; the takedown team builds a batch of them."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.demo.site import PAGES_WITH_PERSON, FixtureServer, photo_bytes
from jikimi.flow import run_once
from tests import evidence_site
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.portal_fixtures import PASSWORD, portal_settings
from tests.test_portal_browser import sign_in, wait_for
from tests.test_portal_intake_browser import submit

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture(autouse=True)
def _chromium() -> None:
    need_chromium()


def test_from_intake_to_takedown(demo_site: FixtureServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    settings = portal_settings(tmp_path / "data")
    settings.faces.cache_dir = tmp_path / "models"
    with closing(registry.open_store(settings)) as store:
        accounts = Accounts(store, settings.accounts)
        for role in ("operator", "takedown"):
            accounts.create_account(f"{role}-lee", PASSWORD, role, actor="test")
    photo = tmp_path / "on-the-operators-computer" / "person_a_1.jpg"
    photo.parent.mkdir()
    photo.write_bytes(photo_bytes("person_a_1.jpg"))
    shots = screenshot_dir(tmp_path)

    with served(settings, tmp_path) as base:
        with chromium(1280, 1400) as driver:  # the operator: a case, her consent, her photo
            sign_in(driver, base, "operator-lee")
            wait_for(driver, lambda d: d.current_url.endswith("/review"))
            driver.get(f"{base}/cases")
            Select(driver.find_element(By.NAME, "method")).select_by_value("in-person")
            Select(driver.find_element(By.NAME, "consent_channel")).select_by_value("paper")
            driver.find_element(By.NAME, "consent_accepted").click()
            submit(driver, "form[action='/cases'] button[type=submit]")
            wait_for(driver, lambda d: "opened=1" in d.current_url)
            # her photo is on the operator's computer: the server upload, behind "older phones"
            driver.execute_script("document.getElementById('server-fallback').open = true")
            driver.find_element(By.NAME, "name").send_keys("Kim Ana")
            driver.find_element(By.NAME, "photos").send_keys(str(photo))
            submit(driver, "#enroll-form button[type=submit]")
            wait_for(driver, lambda d: d.find_elements(By.ID, "outcome"))

        with closing(registry.open_store(settings)) as store:
            [case] = store.list_cases()
            assert case.person_id is not None
            Accounts(store, settings.accounts).create_account(
                "ana-kim", PASSWORD, "victim", actor="test", case_id=case.case_id)

        summary = run_once(settings, url=f"{demo_site.base_url}/index.html")
        assert summary.hits >= 3 and summary.new_alerts == 0  # review first

        with chromium() as driver:  # the operator reviews, blurred, and confirms by keyboard
            sign_in(driver, base, "operator-lee")
            wait_for(driver, lambda d: d.current_url.endswith("/review"))
            queue = [a.get_attribute("href") for a in
                     driver.find_elements(By.CSS_SELECTOR, "table.queue a[data-hit]")]
            assert len(queue) == len(PAGES_WITH_PERSON)
            for link in queue:
                driver.get(link)
                preview = driver.find_element(By.ID, "preview")
                wait_for(driver, lambda d, p=preview: d.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth > 0", p))
                driver.find_element(By.TAG_NAME, "body").send_keys("c")
                wait_for(driver, lambda d: "decided=confirm" in d.current_url
                         and d.find_elements(By.CSS_SELECTOR, ".ok"))

        outbox = [json.loads(p.read_text("utf-8"))
                  for p in settings.outbox_dir.glob("*.json")]
        assert len(outbox) == len(PAGES_WITH_PERSON)
        assert all("reviewer confirmed" in copy["text"] for copy in outbox)

        with chromium(390, 844) as driver:  # she reads her findings on her phone
            sign_in(driver, base, "ana-kim")
            wait_for(driver, lambda d: d.current_url.endswith("/me"))
            statuses = [f.get_attribute("data-status")
                        for f in driver.find_elements(By.CSS_SELECTOR, "li.finding")]
            assert statuses == ["confirmed"] * len(PAGES_WITH_PERSON)
            assert not driver.find_elements(By.TAG_NAME, "img")  # no imagery for her
            driver.save_screenshot(str(shots / "journey-victim-findings.png"))

        with chromium() as driver:  # the takedown team batches what was confirmed
            sign_in(driver, base, "takedown-lee")
            wait_for(driver, lambda d: d.current_url.endswith("/takedown"))
            driver.find_element(By.CSS_SELECTOR, "form#build button[type=submit]").click()
            wait_for(driver, lambda d: "built=1" in d.current_url)
            items = driver.find_elements(By.CSS_SELECTOR, "li.item")
            assert len(items) == len(PAGES_WITH_PERSON)
            driver.save_screenshot(str(shots / "journey-takedown-batch.png"))

    with closing(registry.open_store(settings)) as store:
        actions = {e.action for e in store.audit_events()}
    assert {"case.open", "case.enroll", "hit.read", "media.preview", "hit.review",
            "takedown.build"} <= actions
