"""A takedown team's paperwork in the portal: the batch page names each host's recipients
(from RDAP: the demo's own RDAP service on loopback), bundles the evidence, downloads the notices
as a zip citing the bundle, sends them through a real SMTP server, and re-checks every sent URL
now; the JSON twins for tokens; other roles are refused.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from jikimi import registry
from jikimi.demo.rdap import DEMO_ABUSE, serve_rdap
from jikimi.demo.site import FixtureServer
from jikimi.takedown import build_batch
from jikimi.takedown.lookup import attach_recipients
from tests import evidence_site
from tests.alerts_servers import smtp_server
from tests.browser import chromium, need_chromium, screenshot_dir, served
from tests.portal_fixtures import PASSWORD, Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture
def rdap(tmp_path: Path) -> Iterator[FixtureServer]:
    server = serve_rdap(tmp_path / "rdap")
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[object, int]]:
    with smtp_server() as (collector, port):
        yield collector, port


@pytest.fixture
def portal(demo_site: FixtureServer, rdap: FixtureServer, smtp: tuple[object, int],
           tmp_path: Path) -> Portal:
    return seeded_portal(
        tmp_path / "data", demo_site.base_url, hit_state="confirmed",
        takedown={"rdap_bootstrap_url": f"{rdap.base_url}/bootstrap/",
                  "rdap_allow_private": True, "sender_organisation": "Test Support Centre"},
        alerts={"smtp_host": "127.0.0.1", "smtp_port": smtp[1],
                "smtp_security": "insecure"})


def test_recipients_bundle_notices_send_and_recheck(portal: Portal,
                                                    smtp: tuple[object, int]) -> None:
    collector = smtp[0]
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["takedown"])
        built = client.post("/takedown", data={"csrf": csrf})
        assert built.status_code == 303
        page_url = built.headers["location"].split("?")[0]
        batch_id = page_url.rsplit("/", 1)[1]
        page = client.get(page_url).text
        assert DEMO_ABUSE in page and "Demo Hosting" in page and 'id="send-notices"' in page

        bundled = client.post(f"{page_url}/bundle", data={"csrf": csrf})
        assert bundled.status_code == 303 and "?bundled=" in bundled.headers["location"]

        archive = client.get(f"{page_url}/notices.zip")
        assert archive.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
            names = set(files.namelist())
            letter = files.read(f"{batch_id}/notices/127.0.0.1/hosting-1.en.txt").decode()
        assert {f"{batch_id}/referral.ko.csv", f"{batch_id}/hashes.json",
                f"{batch_id}/lumen.json", f"{batch_id}/notices/index.json"} <= names
        assert f"Evidence: bundle:{batch_id}/" in letter and "Test Support Centre" in letter

        assert client.post(f"{page_url}/notices/send", data={}).status_code == 403  # CSRF
        sent = client.post(f"{page_url}/notices/send", data={"csrf": csrf})
        assert "notices_sent=1&notices_failed=0" in sent.headers["location"]
        assert [e.rcpt_tos for e in collector.envelopes] == [[DEMO_ABUSE]]  # type: ignore[attr-defined]
        assert f"{DEMO_ABUSE} (" in client.get(page_url).text  # sent to, per URL

        rechecked = client.post("/takedown/recheck", data={"csrf": csrf})
        assert rechecked.status_code == 303 and "rechecked=" in rechecked.headers["location"]
        assert 'id="recheck"' in client.get(rechecked.headers["location"]).text

        token = {"Authorization": f"Bearer {portal.tokens['takedown']}"}
        counts = client.post("/api/takedown/recheck", headers=token).json()
        assert counts["checked"] >= 1 and counts["errors"] == 0
        looked = client.post(f"/api/takedown/{batch_id}/recipients", headers=token).json()
        assert looked == {"batch_id": batch_id, "hosts": {"127.0.0.1": 2}}
        operator = {"Authorization": f"Bearer {portal.tokens['operator']}"}
        assert client.post("/api/takedown/recheck", headers=operator).status_code == 403
        assert client.get(f"{page_url}/notices.zip", headers=operator).status_code == 403

    with closing(registry.open_store(portal.settings)) as store:
        items = store.takedown_items(batch_id)
        actions = {e.action for e in store.audit_events(batch_id)}
        bundles = [e for e in store.audit_events() if e.action == "evidence.bundle"]
    # every URL was fetched again: one the fixture site never had is gone, so removed
    assert ("removed", "gone") in {(i.status, i.check_result) for i in items}
    assert all(i.check_result in ("same", "changed") for i in items if i.status == "sent")
    assert {i.sent_to for i in items} == {DEMO_ABUSE}
    assert {"takedown.recipients", "takedown.notice_sent"} <= actions
    assert [e.detail["batch"] for e in bundles] == [batch_id]
    assert bundles[0].actor.startswith("account:")


def test_the_batch_page_reads_in_korean_on_a_phone(portal: Portal, tmp_path: Path) -> None:
    """Recipients, notices and follow-up on a 390 px phone in Korean; the screenshot is for
    people to check (JIKIMI_SCREENSHOTS=docs/screenshots keeps docs/screenshots/
    takedown-batch-ko.png)."""
    need_chromium()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with closing(registry.open_store(portal.settings)) as store:
        batch = build_batch(store, portal.settings, "test")
        attach_recipients(store, portal.settings, batch.batch_id, "test")
    shots = screenshot_dir(tmp_path)
    with served(portal.settings, tmp_path) as base, chromium(390, 844) as opened:
        driver: Any = opened
        driver.get(f"{base}/login")
        driver.find_element(By.NAME, "username").send_keys(portal.usernames["takedown"])
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/takedown"))
        assert driver.find_element(By.ID, "recheck").text == "지금 다시 확인"
        driver.find_element(By.CSS_SELECTOR, "a.batch-link").click()
        WebDriverWait(driver, 15).until(lambda d: batch.batch_id in d.current_url)
        host = driver.find_element(By.CSS_SELECTOR, '#recipients [data-host="127.0.0.1"]')
        assert DEMO_ABUSE in host.text and "호스팅" in host.text
        assert driver.find_element(By.ID, "send-notices").text == "호스팅 사업자에게 요청서 보내기"
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # nothing runs off a phone's screen
        driver.save_screenshot(str(shots / "takedown-batch-ko.png"))
