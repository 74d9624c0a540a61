"""End to end in headless Chromium on a phone, in Korean: an admin adds a site through the
form, sees it listed, pauses it, and the file says so. Screenshot: `sites-ko.png` (see
tests.browser: JIKIMI_SCREENSHOTS=docs/screenshots keeps it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from crawlers.report import CrawlReport
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.site_portal_fixtures import GALLERY, sites_portal
from tests.test_portal_browser import sign_in, wait_for
from tests.test_portal_intake_browser import submit

PHONE = (390, 844)


def test_an_admin_adds_and_pauses_a_site_on_a_phone_in_korean(tmp_path: Path) -> None:
    need_chromium()
    from selenium.webdriver.common.by import By

    portal = sites_portal(tmp_path / "data")
    portal.write_site("gallery", GALLERY)
    now = datetime.now(UTC)
    for days_ago, new in ((6, 3), (4, 9), (2, 5), (1, 0), (0, 7)):  # a week of crawls
        portal.crawled(CrawlReport("gallery", pages=40 + days_ago, media_new=new,
                                   errors=["https://gallery.example/p/9.jpg: HTTP 404"]
                                   if days_ago == 0 else []), now - timedelta(days=days_ago))
    shots = screenshot_dir(tmp_path)
    with served(portal.settings, tmp_path) as base, chromium(*PHONE) as opened:
        driver: Any = opened
        sign_in(driver, base, portal.usernames["admin"])
        wait_for(driver, lambda d: d.current_url.endswith("/review"))
        driver.find_element(By.LINK_TEXT, "사이트").click()
        wait_for(driver, lambda d: d.current_url.endswith("/sites"))
        driver.find_element(By.LINK_TEXT, "사이트 추가").click()
        wait_for(driver, lambda d: d.current_url.endswith("/sites/new"))
        driver.find_element(By.NAME, "name").send_keys("forum")
        driver.find_element(By.NAME, "start_urls").send_keys("https://forum.example/board/")
        driver.find_element(By.NAME, "follow").send_keys("/board/")
        driver.find_element(By.NAME, "cookies_env").send_keys("FORUM_COOKIES")
        submit(driver, "form.site-form button[type=submit]")
        wait_for(driver, lambda d: "saved=forum" in d.current_url)
        card = driver.find_element(By.ID, "site-forum")
        assert "수집 중" in card.text and "아직 없음" in card.text
        submit(driver, "#site-forum button.pause")
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#site-forum.paused"))
        assert "일시 중지됨" in driver.find_element(By.ID, "site-forum").text
        gallery = driver.find_element(By.ID, "site-gallery")
        assert "24" in gallery.find_element(By.CSS_SELECTOR, ".n-new").text
        assert len(gallery.find_elements(By.CSS_SELECTOR, "svg.bars rect")) == 7
        assert "admin-lee" in driver.find_element(By.CSS_SELECTOR, "#site-forum .paused-by").text
        driver.get(f"{base}/sites")  # from the top (the pause answered with the card's anchor)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= PHONE[0]  # nothing runs off a phone's screen
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {  # the whole list
            "width": PHONE[0], "height": height, "deviceScaleFactor": 2, "mobile": True})
        driver.save_screenshot(str(shots / "sites-ko.png"))
    data = yaml.safe_load((portal.sites_dir / "forum.yaml").read_text(encoding="utf-8"))
    assert data["paused"] is True and data["auth"] == {"cookies_env": "FORUM_COOKIES"}
    assert [e.action for e in portal.audit("forum")] == ["site.created", "site.paused"]
