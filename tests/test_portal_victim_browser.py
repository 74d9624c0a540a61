"""A victim on her phone, in headless Chromium: she signs in, reads her findings' statuses in
Korean (no image anywhere, nothing wider than the screen), says one is not her with the
keyboard, and changes her notification preferences. Screenshots for people to look at (see
tests.browser): victim-findings.png, victim-not-me.png, victim-after-not-me.png,
victim-preferences.png, victim-withdraw.png."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer
from tests import evidence_site
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.test_portal_browser import sign_in, wait_for
from tests.victim_fixtures import victim_portal

demo_site = evidence_site.demo_site  # fixture
PHONE = (390, 844)


@pytest.fixture(autouse=True)
def _chromium() -> None:
    need_chromium()


def fits_the_screen(driver: Any) -> bool:
    return bool(driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_victim_on_her_phone_reads_says_not_me_and_sets_preferences(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    vp = victim_portal(tmp_path / "data", demo_site.base_url)
    mine = vp.portal.hits.matching
    shots = screenshot_dir(tmp_path)
    with served(vp.portal.settings, tmp_path) as base, chromium(*PHONE) as driver:
        sign_in(driver, base, vp.portal.usernames["victim"])
        wait_for(driver, lambda d: d.current_url.endswith("/me"))
        assert driver.find_element(By.TAG_NAME, "h1").text == "발견된 게시물"
        badges = [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".finding .badge")]
        assert sorted(badges) == sorted(["확인됨", "검토 중", "삭제됨", "검토 중"])
        assert driver.find_elements(By.TAG_NAME, "img") == [] and fits_the_screen(driver)
        assert "도움받을 수 있는 곳" in driver.page_source
        driver.save_screenshot(str(shots / "victim-findings.png"))

        link = driver.find_element(By.CSS_SELECTOR, f"#finding-{mine.hit_id} a.not-me")
        link.send_keys(Keys.ENTER)  # the keyboard, not the mouse
        wait_for(driver, lambda d: d.current_url.endswith("/not-me"))
        assert fits_the_screen(driver)
        driver.save_screenshot(str(shots / "victim-not-me.png"))
        driver.find_element(By.ID, "not-me-yes").send_keys(Keys.SPACE)
        wait_for(driver, lambda d: "done=not_me" in d.current_url
                 and d.find_elements(By.CSS_SELECTOR, "p.ok"))
        assert "고맙습니다" in driver.find_element(By.CSS_SELECTOR, "p.ok").text
        assert not driver.find_elements(By.ID, f"finding-{mine.hit_id}")
        driver.save_screenshot(str(shots / "victim-after-not-me.png"))

        driver.get(f"{base}/me/preferences")
        driver.find_element(By.CSS_SELECTOR, "input[name=mode][value=digest]").send_keys(
            Keys.SPACE)
        Select(driver.find_element(By.NAME, "digest_hour")).select_by_visible_text("20:00")
        Select(driver.find_element(By.NAME, "quiet_start")).select_by_visible_text("22:00")
        Select(driver.find_element(By.NAME, "quiet_end")).select_by_visible_text("07:00")
        driver.find_element(By.CSS_SELECTOR, "form.prefs button[type=submit]").click()
        wait_for(driver, lambda d: "saved=1" in d.current_url)
        assert "저장했습니다" in driver.find_element(By.CSS_SELECTOR, "p.ok").text
        assert fits_the_screen(driver)
        driver.save_screenshot(str(shots / "victim-preferences.png"))

        driver.get(f"{base}/me/withdraw")
        assert fits_the_screen(driver)
        driver.save_screenshot(str(shots / "victim-withdraw.png"))

    with closing(registry.open_store(vp.portal.settings)) as store:
        [hit] = [h for h in store.hits() if h.hit_id == mine.hit_id]
        prefs = store.get_preferences("case-1")
    assert hit.review_state == "rejected"
    assert prefs is not None and (prefs.mode, prefs.digest_hour) == ("digest", 20)
    assert (prefs.quiet_start, prefs.quiet_end) == (22 * 60, 7 * 60)
