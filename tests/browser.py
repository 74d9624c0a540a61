"""The portal served over HTTPS on 127.0.0.1 and driven by headless Chromium (Debian's
`chromium` with `chromium-driver`, through Selenium), for end-to-end tests with screenshots.

The certificate is self-signed and made per test run; Chromium is told to accept it. Tests skip
where Chromium is not installed, unless `JIKIMI_REQUIRE_CHROMIUM=1` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jikimi.portal.local import served_locally
from kernel.settings import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def need_chromium() -> None:
    if CHROMIUM and DRIVER:
        return
    if os.environ.get("JIKIMI_REQUIRE_CHROMIUM") == "1":
        pytest.fail("Chromium and chromium-driver are required here (JIKIMI_REQUIRE_CHROMIUM=1)")
    pytest.skip("no chromium/chromedriver: apt-get install chromium chromium-driver")


@contextmanager
def chromium(width: int = 1280, height: int = 900, downloads: Path | None = None,
             network_log: bool = False) -> Iterator[object]:
    """Headless Chromium at this window size; files it downloads go to `downloads`; with
    `network_log`, `driver.get_log("performance")` holds every request it sent (DevTools'
    Network events, request bodies included)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--ignore-certificate-errors", "--lang=ko-KR",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    prefs: dict[str, object] = {"intl.accept_languages": "ko-KR,ko"}
    if downloads is not None:
        prefs |= {"download.default_directory": str(downloads),
                  "download.prompt_for_download": False}
    options.add_experimental_option("prefs", prefs)
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    if downloads is not None:
        driver.execute_cdp_cmd("Page.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(downloads)})
    if width < 500:  # below Chromium's smallest window: emulate the phone's screen instead
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def served(settings: Settings, folder: Path) -> Iterator[str]:
    with served_locally(settings, folder) as (url, _cert):
        yield url


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: `JIKIMI_SCREENSHOTS` when set (kept as artifacts), else the
    test's temporary folder."""
    folder = Path(os.environ.get("JIKIMI_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
