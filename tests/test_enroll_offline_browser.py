"""Enrollment keeps working offline once the page has loaded (issue 16), in headless Chromium.

The enrollment page registers a service worker (`/enroll-sw.js`: jikimi/portal/enroll_worker.py,
static/enroll/sw.js) that keeps the face models, onnxruntime-web and the page's scripts in Cache
Storage. This test loads the operator's case page once, waits until the worker is active and
controls the page and the page says the model is ready, and checks that this first visit kept
everything the model needs (page.js waits for the worker to take over before loading the model;
before it did, what the page fetched ahead of the worker was not kept). It opens the page again
(now every request of the visit, the page's own included, goes through the worker), then stops
the portal's server (a real outage: the port refuses connections) and clears Chromium's HTTP
cache, so that only the worker's Cache Storage can answer. In the same page it then loads the
face model afresh and turns a demo photo into a template: the template must be the one computed
online. Last, it reads Cache Storage back: only the shared GETs under /static/enroll/,
/static/vendor/onnxruntime-web/ and /enroll/ may be there, never a page, a POST, or anything
under /cases/ or /me/.

A fresh `loadFaceModel()` in the same page fetches the config and both models again (through the
worker); the module scripts and onnxruntime's wasm are already in that page's memory (module
map, initialised runtime), so for those the test fetches each cached URL offline and checks the
bytes are whole (the wasm must validate), which is what a fresh page would be given.

Service workers need a secure context and a certificate the browser accepts: the portal here
uses a self-signed certificate, and `--ignore-certificate-errors` (tests.browser already passes
it) is what lets Chromium register the worker on it; no other flag is needed
(`--unsafely-treat-insecure-origin-as-secure` is for plain http). Like the other browser tests
it skips without Chromium, or without the vendored onnxruntime-web (`make web`), unless
`JIKIMI_REQUIRE_CHROMIUM=1` makes either a failure.
"""

from __future__ import annotations

import base64
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.cases import open_case
from jikimi.consent import CURRENT_VERSION
from jikimi.portal.local import portal_thread
from tests.browser import chromium, need_chromium
from tests.face_js import need_runtime
from tests.portal_fixtures import PASSWORD, portal_settings
from tests.test_portal_browser import sign_in, wait_for

PHOTO = Path(__file__).resolve().parents[1] / "jikimi/demo/photos/person_a_1.jpg"
OPERATOR = "operator-offline"
READY = "준비되었습니다"
KEPT = ("/static/enroll/", "/static/vendor/onnxruntime-web/", "/enroll/")
# Resolves once the worker is active and controls this page: {script, scope}.
CONTROLLED = """
const done = arguments[arguments.length - 1];
const sw = navigator.serviceWorker;
const answer = () => done({script: sw.controller.scriptURL, state: sw.controller.state,
                           scope: registrationScope});
let registrationScope = null;
sw.ready.then((registration) => {
  registrationScope = registration.scope;
  if (sw.controller) { answer(); } else { sw.addEventListener("controllerchange", answer); }
}).catch((error) => done({error: String(error)}));
"""
# A fresh loadFaceModel() and one template, from base64 JPEG bytes: the vector and where the
# recognizer's bytes came from (Resource Timing: workerStart > 0 means the worker answered).
TEMPLATE = """
const [data, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const face = await import("/static/enroll/face.js");
  performance.clearResourceTimings();
  const model = await face.loadFaceModel("/enroll/face-config.json");
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const found = await face.templateFromImage(model, new Blob([bytes], {type: "image/jpeg"}));
  const url = new URL(model.config.recognizer.url, location.href).href;
  const timing = performance.getEntriesByName(url).pop();
  return {ok: found.ok, code: found.code || null, dims: model.config.dims,
          base64: found.ok ? face.vectorToBase64(found.vector) : null,
          recognizer: url, via_worker: !!timing && timing.workerStart > 0};
})().then(done, (error) => done({ok: false, code: "error", error: String(error.stack || error)}));
"""
# Every entry of every cache this origin holds: [cache, method, url].
CACHED = """
const done = arguments[arguments.length - 1];
(async () => {
  const entries = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) {
      entries.push([name, request.method, request.url]);
    }
  }
  return entries;
})().then(done, (error) => done([["error", "", String(error)]]));
"""
# Offline: what each URL gives now. A kept one must come whole from the cache (a wasm must
# validate); the page itself and the worker's script must fail, for nothing else answers.
FETCHED = """
const [urls, done] = [arguments[0], arguments[arguments.length - 1]];
Promise.all(urls.map(async (url) => {
  try {
    const response = await fetch(url, {credentials: "same-origin"});
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {url, status: response.status, size: bytes.length,
            wasm: url.endsWith(".wasm") ? WebAssembly.validate(bytes) : null};
  } catch (error) {
    return {url, status: 0, error: String(error)};
  }
})).then(done);
"""


@pytest.fixture(autouse=True)
def _chromium_and_runtime() -> None:
    need_chromium()
    need_runtime()


def template_of(answer: dict[str, Any]) -> np.ndarray:
    """The vector face.js computed, checked: the right length, finite, unit norm."""
    assert answer["ok"], answer
    vector = np.frombuffer(base64.b64decode(answer["base64"]), dtype="<f4")
    assert vector.shape == (answer["dims"],)
    assert np.all(np.isfinite(vector))
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    return vector


def test_a_loaded_enrollment_page_makes_templates_with_the_portal_down(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    settings = portal_settings(tmp_path / "data")
    with closing(registry.open_store(settings)) as store:
        Accounts(store, settings.accounts).create_account(OPERATOR, PASSWORD, "operator",
                                                          actor="test")
        case_id = open_case(store, "test", verified_by="operator-kim", method="in-person",
                            consent_version=CURRENT_VERSION, consent_channel="paper").case_id
    photo = base64.b64encode(PHOTO.read_bytes()).decode()
    with portal_thread(settings, tmp_path) as portal, chromium(390, 844) as browser:
        driver: Any = browser
        driver.set_script_timeout(60)
        sign_in(driver, portal.url, OPERATOR)
        wait_for(driver, lambda d: "/login" not in d.current_url)
        page = f"{portal.url}/cases/{case_id}"
        driver.get(page)
        wait_for(driver, lambda d: READY in d.find_element(By.ID, "device-status").text, 60)
        worker = driver.execute_async_script(CONTROLLED)
        assert worker.get("script") == f"{portal.url}/enroll-sw.js", worker
        assert worker["state"] == "activated" and worker["scope"] == f"{portal.url}/"
        first_visit = {urlsplit(url).path for _n, _m, url in driver.execute_async_script(CACHED)}
        # her next visit: the page itself is now asked for through the worker, which must
        # let it pass uncached (the first visit's page came before the worker existed)
        driver.refresh()
        wait_for(driver, lambda d: READY in d.find_element(By.ID, "device-status").text, 60)
        online = template_of(driver.execute_async_script(TEMPLATE, photo))
        kept = [url for _name, _method, url in driver.execute_async_script(CACHED)]

        portal.stop()
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        fetched = driver.execute_async_script(FETCHED, [*kept, page, f"{portal.url}/enroll-sw.js"])
        offline_answer = driver.execute_async_script(TEMPLATE, photo)
        entries = driver.execute_async_script(CACHED)

    *from_cache, page_offline, worker_offline = fetched
    assert page_offline["status"] == 0 and worker_offline["status"] == 0  # the portal is down
    for answer in from_cache:
        assert answer["status"] == 200 and answer["size"] > 0, answer
        assert answer["wasm"] in (None, True), answer
    offline = template_of(offline_answer)
    assert offline_answer["via_worker"]  # the recognizer came from the worker's cache
    assert float(offline @ online) >= 0.9999

    paths = {urlsplit(url).path for _name, _method, url in entries}
    for name, method, url in entries:
        assert name.startswith("jikimi-enroll-") and method == "GET", (name, method, url)
        assert urlsplit(url).scheme + "://" + urlsplit(url).netloc == portal.url, url
        path = urlsplit(url).path
        assert path.startswith(KEPT), url
        assert not path.startswith(("/cases/", "/me")) and not urlsplit(url).query, url
    # one visit is enough: everything loadFaceModel() fetches was kept during the first one
    wanted = {"/static/enroll/page.js", "/static/enroll/face.js", "/enroll/face-config.json",
              "/static/vendor/onnxruntime-web/ort.wasm.bundle.min.mjs",
              "/static/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm"}
    for kept_paths in (first_visit, paths):
        assert wanted <= kept_paths, kept_paths
        assert urlsplit(offline_answer["recognizer"]).path in kept_paths
        assert len([p for p in kept_paths if p.startswith("/enroll/models/")]) == 2  # detector
