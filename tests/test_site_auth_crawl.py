"""Crawling a login-walled site end to end (`jikimi crawl SITE` through `jikimi.cli.main`, the
real child-process crawler): the wall answers 403 without the site's cookie and header and the
gallery with them; the media host (another host name, 127.0.0.2) never receives either, not
even through a redirect from the site; and the secrets appear in no output, log line (DEBUG
included), crawl report or audit event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from kernel.settings import Settings
from tests.crawl_site import FixtureSite, Route, image_bytes, page, redirect

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "tok-5c1e9a7b3f28d604"  # the secret header's value
COOKIE = "sid-0d83b6f2a9e41c57"  # the session cookie's value
SECRETS = (TOKEN, COOKIE)


def _wall(path: str, headers: dict[str, str]) -> Route | None:
    """A sign-in wall: everything but robots.txt needs both the cookie and the token."""
    if path == "/robots.txt":
        return None
    if f"sid={COOKIE}" in headers.get("cookie", "") and headers.get("x-forum-token") == TOKEN:
        return None
    return Route(b"<form><input type=password name=pw></form>", "text/html", 403)


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[FixtureSite, FixtureSite]]:
    cdn_routes = {"/cdn/a.jpg": Route(image_bytes(61), "image/jpeg"),
                  "/cdn/b.jpg": Route(image_bytes(62), "image/jpeg")}
    with FixtureSite(cdn_routes, host="127.0.0.2") as cdn:
        routes = {
            "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
            "/index.html": page(f'<img src="/m/1.jpg"><img src="{cdn.base}/cdn/a.jpg">'
                                '<img src="/r/moved.jpg"><a href="/gallery/2.html">2</a>'),
            "/gallery/2.html": page('<img src="/m/2.jpg">'),
            "/m/1.jpg": Route(image_bytes(63), "image/jpeg"),
            "/m/2.jpg": Route(image_bytes(64), "image/jpeg"),
            "/r/moved.jpg": redirect(f"{cdn.base}/cdn/b.jpg"),
        }
        with FixtureSite(routes, gate=_wall) as walled:
            yield walled, cdn


def write_site(data_dir: Path, base: str, *, auth: bool = True) -> Path:
    (data_dir / "sites").mkdir(parents=True, exist_ok=True)
    headers = data_dir / "forum-headers.json"
    headers.write_text(json.dumps({"X-Forum-Token": TOKEN}))
    headers.chmod(0o600)
    lines = [f'start_urls: ["{base}/index.html"]', "delay: 0"]
    if auth:
        lines.append(f'auth: {{headers_file: "{headers}", cookies_env: WALL_COOKIE}}')
    (data_dir / "sites" / "walled.yaml").write_text("\n".join(lines) + "\n")
    return data_dir


def audit_text(data_dir: Path) -> str:
    with closing(registry.open_store(Settings.model_validate({"data_dir": data_dir}))) as store:
        return repr([vars(e) for e in store.audit_events()])


def test_a_walled_site_is_crawled_with_its_secrets_which_never_reach_the_media_host(
        tmp_path: Path, sites: tuple[FixtureSite, FixtureSite], capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    walled, cdn = sites
    walled.clear_log(), cdn.clear_log()
    monkeypatch.setenv("WALL_COOKIE", f"sid={COOKIE}")
    data = write_site(tmp_path, walled.base)
    assert main(["--data-dir", str(data), "crawl", "walled", "--allow-private"]) == 0
    out, err = capfd.readouterr()
    report = json.loads(out)
    assert (report["pages"], report["media_new"], report["errors"]) == (2, 4, [])
    on_site = [e for e in walled.log if e.path != "/robots.txt"]
    assert {e.path for e in on_site} == {"/index.html", "/gallery/2.html", "/m/1.jpg",
                                         "/m/2.jpg", "/r/moved.jpg"}
    assert all(e.status in (200, 302) for e in on_site)  # through the wall, media included
    assert sorted(e.path for e in cdn.log if e.path.startswith("/cdn/")) == ["/cdn/a.jpg",
                                                                            "/cdn/b.jpg"]
    for entry in cdn.log:  # b.jpg came by a redirect from the site: stripped there too
        assert "cookie" not in entry.headers and "x-forum-token" not in entry.headers
        assert not any(s in repr(entry.headers) for s in SECRETS)
    logged = out + err + audit_text(data)
    assert "crawl.finished" in logged
    assert not any(secret in logged for secret in SECRETS)


def test_without_its_secrets_the_wall_answers_403_and_the_crawl_gets_nothing(
        tmp_path: Path, sites: tuple[FixtureSite, FixtureSite],
        capfd: pytest.CaptureFixture[str]) -> None:
    walled, _ = sites
    data = write_site(tmp_path, walled.base, auth=False)
    assert main(["--data-dir", str(data), "crawl", "walled", "--allow-private"]) == 3
    report = json.loads(capfd.readouterr().out)
    assert report["pages"] == 0 and report["errors"] == [f"page {walled.base}/index.html: http 403"]


def test_a_missing_secret_stops_the_crawl_with_one_line_and_is_recorded(
        tmp_path: Path, sites: tuple[FixtureSite, FixtureSite],
        capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    walled, _ = sites
    monkeypatch.delenv("WALL_COOKIE", raising=False)
    data = write_site(tmp_path, walled.base)
    assert main(["--data-dir", str(data), "crawl", "walled", "--allow-private"]) == 2
    err = capfd.readouterr().err
    line = "site walled: auth.cookies_env WALL_COOKIE: environment variable not set"
    assert f"jikimi: error: crawl of walled failed: {line}" in err
    assert "crawl.failed" in audit_text(data) and line in audit_text(data)


# In a separate process, so that Scrapy logs at DEBUG (every request, redirect, item and the
# settings it was given) and everything it prints is captured.
_CRAWL_AT_DEBUG = """
import json, logging, sys
import crawlers.settings
crawlers.settings.LOG_LEVEL = "DEBUG"
logging.basicConfig(level=logging.DEBUG)
from crawlers.process import crawl_here
from crawlers.sites import load_site
from jikimi.flow import crawl_job
from tests.crawl_site import crawl_settings
site = load_site(sys.argv[1])
report = crawl_here(crawl_job(site, crawl_settings(sys.argv[2])), progress=print)
print("REPORT " + json.dumps(report.to_dict()))
"""


def test_debug_logs_of_a_walled_crawl_hold_no_secret(
        tmp_path: Path, sites: tuple[FixtureSite, FixtureSite]) -> None:
    walled, cdn = sites
    data = write_site(tmp_path, walled.base)
    env = os.environ | {"PYTHONPATH": str(ROOT), "WALL_COOKIE": f"sid={COOKIE}"}
    done = subprocess.run(
        [sys.executable, "-c", _CRAWL_AT_DEBUG, str(data / "sites" / "walled.yaml"), str(data)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout + done.stderr
    assert "DEBUG: Crawled (200) <GET " in output and "Redirecting (302)" in output  # DEBUG on
    assert "'pages': 2" in output.replace('"', "'")
    assert not any(secret in output for secret in SECRETS)
