"""End to end in headless Chromium: an operator opens a case (method, the consent text in Korean
and English, channel), uploads two photos of the same demo person, sees each photo's verdict and
the enrollment, and nothing of the photos is left in the data folder. Screenshot:
`operator-case-enroll.png` (see tests.browser)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer, photo_bytes
from tests import evidence_site
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.portal_fixtures import seeded_portal
from tests.test_portal_browser import sign_in, wait_for

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture(autouse=True)
def _chromium() -> None:
    need_chromium()


def test_operator_opens_a_case_and_enrolls_two_photos_in_chromium(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    portal = seeded_portal(tmp_path / "data", demo_site.base_url)
    shots = screenshot_dir(tmp_path)
    chosen = tmp_path / "on-the-operators-computer"  # where her photos are, outside the portal
    chosen.mkdir()
    for name in ("person_a_1.jpg", "person_a_2.jpg"):
        (chosen / name).write_bytes(photo_bytes(name))
    with served(portal.settings, tmp_path) as base, chromium(1280, 1400) as driver:
        sign_in(driver, base, portal.usernames["operator"])
        wait_for(driver, lambda d: d.current_url.endswith("/review"))
        driver.find_element(By.LINK_TEXT, "사례").click()
        wait_for(driver, lambda d: d.current_url.endswith("/cases"))
        assert len(driver.find_elements(By.CSS_SELECTOR, ".consent pre")) == 2
        Select(driver.find_element(By.NAME, "method")).select_by_value("in-person")
        Select(driver.find_element(By.NAME, "consent_channel")).select_by_value("paper")
        driver.find_element(By.NAME, "consent_accepted").click()
        driver.save_screenshot(str(shots / "operator-case-open.png"))
        submit(driver, "form[action='/cases'] button[type=submit]")
        wait_for(driver, lambda d: "opened=1" in d.current_url)

        # the upload is the fallback now (issue 16): behind "older phones", under the form
        # that computes templates on the device
        driver.execute_script("document.getElementById('server-fallback').open = true")
        driver.find_element(By.NAME, "name").send_keys("Kim Ana")
        driver.find_element(By.NAME, "photos").send_keys(
            "\n".join(str(chosen / n) for n in ("person_a_1.jpg", "person_a_2.jpg")))
        submit(driver, "#enroll-form button[type=submit]")
        wait_for(driver, lambda d: d.find_elements(By.ID, "outcome"))
        verdicts = driver.find_elements(By.CSS_SELECTOR, "table.verdicts tbody tr")
        assert [v.get_attribute("data-code") for v in verdicts] == ["ok", "ok"]
        assert "등록되었습니다" in driver.find_element(By.ID, "outcome").text
        assert "같은 사람" in driver.find_element(By.ID, "same-person").text
        driver.save_screenshot(str(shots / "operator-case-enroll.png"))

    with closing(registry.open_store(portal.settings)) as store:
        [case] = store.list_cases()
        assert case.person_id is not None and case.verification.method == "in-person"
    needles = [photo_bytes(n)[2000:2048] for n in ("person_a_1.jpg", "person_a_2.jpg")]
    for path in portal.settings.data_dir.rglob("*"):
        assert not path.is_file() or not any(n in path.read_bytes() for n in needles), path


def submit(driver: Any, selector: str) -> None:
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
