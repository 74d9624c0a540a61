"""Enrollment on her device, in headless Chromium (issue 16): the page turns the photos into
templates in the browser and no request it sends carries image bytes, only small JSON.

The face pipeline (`jikimi/portal/static/enroll/face.js`, onnxruntime-web and the models) comes
with the in-browser pipeline's branch; until it is there, the end-to-end test skips, and the
page is checked for what it does without it: it says so and opens the upload fallback.
Screenshots (see tests.browser): `device-enroll-phone-ko.png` (her /me/enroll on a phone, in
Korean) and `device-enroll-operator-ko.png` (the case page).
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.cases import open_case
from jikimi.consent import CURRENT_VERSION
from jikimi.demo.site import FixtureServer, photo_bytes
from jikimi.enrollment import enrolled_from
from tests import evidence_site
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.portal_fixtures import PASSWORD, Portal, seeded_portal
from tests.test_portal_browser import sign_in, wait_for

demo_site = evidence_site.demo_site  # fixture
FACE_JS = Path(__file__).resolve().parents[1] / "jikimi/portal/static/enroll/face.js"
IMAGE_MARKS = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"/9j/", b"iVBORw0KGgo", b"UklGR")
READY, UNAVAILABLE = "준비되었습니다", "얼굴 모델을 쓸 수 없습니다"


@pytest.fixture(autouse=True)
def _chromium() -> None:
    need_chromium()


def open_unenrolled_case(portal: Portal, victim: str | None = None) -> str:
    """An open case nobody is enrolled in; with `victim`, her account made on it already."""
    with closing(registry.open_store(portal.settings)) as store:
        case = open_case(store, "test", verified_by="operator-kim", method="in-person",
                         consent_version=CURRENT_VERSION, consent_channel="paper")
        if victim:
            Accounts(store, portal.settings.accounts).create_account(
                victim, PASSWORD, "victim", actor="test", case_id=case.case_id)
    return case.case_id


def settled(driver: Any) -> str:
    """The page's status once the face model loaded or could not be loaded ("" before)."""
    from selenium.webdriver.common.by import By

    text = str(driver.find_element(By.ID, "device-status").text)
    return text if READY in text or UNAVAILABLE in text else ""


def test_the_page_on_a_phone_in_korean_and_without_the_face_pipeline(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    portal = seeded_portal(tmp_path / "data", demo_site.base_url)
    case_id = open_unenrolled_case(portal, victim="victim-park")
    shots = screenshot_dir(tmp_path)
    with served(portal.settings, tmp_path) as base:
        her_phone(base, shots)
        operators_screen(base, shots, portal.usernames["operator"], case_id)


def her_phone(base: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    with chromium(390, 844) as browser:
        driver: Any = browser
        sign_in(driver, base, "victim-park")
        wait_for(driver, lambda d: d.current_url.endswith("/me"))
        driver.find_element(By.ID, "me-enroll").click()
        wait_for(driver, lambda d: d.find_elements(By.ID, "device-privacy"))
        privacy = driver.find_element(By.ID, "device-privacy")
        assert privacy.is_displayed() and "사진은 이 기기를 떠나지 않습니다" in privacy.text
        assert "The photo never leaves this device" in privacy.text
        status = wait_for(driver, settled, timeout=120)
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
        driver.save_screenshot(str(shots / "device-enroll-phone-ko.png"))
        if not FACE_JS.exists():
            assert UNAVAILABLE in status and "담당자에게 연락해" in status  # no upload for her
            assert not driver.find_element(By.ID, "device-form").is_displayed()


def operators_screen(base: str, shots: Path, operator: str, case_id: str) -> None:
    from selenium.webdriver.common.by import By

    with chromium(390, 844) as browser:
        driver: Any = browser
        sign_in(driver, base, operator)
        wait_for(driver, lambda d: d.current_url.endswith("/review"))
        driver.get(f"{base}/cases/{case_id}")
        status = wait_for(driver, settled, timeout=120)
        if not FACE_JS.exists():
            assert UNAVAILABLE in status
            fallback = driver.find_element(By.ID, "server-fallback")
            assert fallback.get_attribute("open") is not None  # the upload, offered
            assert driver.find_element(By.NAME, "photos").is_displayed()
        driver.save_screenshot(str(shots / "device-enroll-operator-ko.png"))


def requests_sent(driver: Any) -> list[dict[str, Any]]:
    """Every request in the browser's network log: url, method, headers and body."""
    sent = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        request = message["params"]["request"]
        sent.append({"url": request["url"], "method": request["method"],
                     "headers": {k.lower(): v for k, v in request.get("headers", {}).items()},
                     "has_body": bool(request.get("hasPostData")),
                     "body": request.get("postData")})
    return sent


def test_enrolling_in_chromium_sends_templates_and_no_image_bytes(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    if not FACE_JS.exists():
        pytest.skip("the in-browser face pipeline (jikimi/portal/static/enroll/face.js, "
                    "issue 16 part A) is not in this tree yet")
    from selenium.webdriver.common.by import By

    portal = seeded_portal(tmp_path / "data", demo_site.base_url)
    case_id = open_unenrolled_case(portal)
    chosen = tmp_path / "on-her-phone"  # where her photos are, outside the portal
    chosen.mkdir()
    names = ("person_a_1.jpg", "person_a_2.jpg")
    for name in names:
        (chosen / name).write_bytes(photo_bytes(name))
    shots = screenshot_dir(tmp_path)
    with served(portal.settings, tmp_path) as base, \
            chromium(390, 844, network_log=True) as browser:
        driver: Any = browser
        sign_in(driver, base, portal.usernames["operator"])
        wait_for(driver, lambda d: d.current_url.endswith("/review"))
        driver.get(f"{base}/cases/{case_id}")
        assert READY in wait_for(driver, settled, timeout=180)
        driver.find_element(By.ID, "device-name").send_keys("Kim Ana")
        driver.find_element(By.ID, "device-photos").send_keys(
            "\n".join(str(chosen / n) for n in names))
        wait_for(driver, lambda d: len(d.find_elements(
            By.CSS_SELECTOR, "#device-list li.verdict-ok")) == 2, timeout=120)
        driver.save_screenshot(str(shots / "device-enroll-photos-ko.png"))
        submit = driver.find_element(By.ID, "device-submit")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", submit)
        submit.click()
        outcome = wait_for(driver, lambda d: d.find_elements(By.ID, "device-outcome"), 60)
        assert "등록되었습니다" in outcome[0].text
        driver.save_screenshot(str(shots / "device-enroll-done-ko.png"))
        sent = requests_sent(driver)

    photos = [photo_bytes(n) for n in names]
    enrolls = [r for r in sent if r["url"].endswith(f"/cases/{case_id}/enroll/device")]
    assert len(enrolls) == 1
    for request in sent:
        if request["has_body"] or request["method"] not in ("GET", "HEAD"):
            body = request["body"]
            assert body is not None, request["url"]  # DevTools leaves out only big bodies
            raw = body.encode()
            assert len(raw) < 64 * 1024, request["url"]
            assert not any(mark in raw for mark in IMAGE_MARKS), request["url"]
            assert not any(photo[1000:1032] in raw for photo in photos)
            assert "multipart" not in request["headers"].get("content-type", "")
    [enroll] = enrolls
    body = json.loads(enroll["body"])
    assert set(body) <= {"name", "model_id", "templates", "email", "webhook",
                         "email_outbox_only", "allow_duplicate"}
    assert len(body["templates"]) == 2
    assert all(set(t) == {"vector", "quality"} for t in body["templates"])
    with closing(registry.open_store(portal.settings)) as store:
        case = store.get_case(case_id)
        assert case is not None and case.person_id is not None
        model = registry.face_model(portal.settings).model_id
        assert [t for t in store.templates(model) if t.person_id == case.person_id]
        assert enrolled_from(store, case_id) == "device"
