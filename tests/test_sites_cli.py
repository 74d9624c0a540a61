"""`jikimi sites check SITE` and `jikimi sites list` through `jikimi.cli.main`, against generated
fixture sites: what one page would give a crawl (media after `deny`, links after `follow`,
`deny`, `allowed_domains` and depth, the next page), with the site's auth; the exit statuses
(0 read, 2 configuration, 3 nothing fetched); and the list's last crawl and new media per day."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from jikimi.crawl_log import CRAWL_FAILED, CRAWL_FINISHED, site_subject
from jikimi.sites import list_sites
from kernel.records import AuditEvent
from kernel.settings import Settings
from tests.crawl_site import FixtureSite, Route, image_bytes, page
from tests.telegram_fixture import CHANNEL, TelegramPreview, site_yaml

COOKIE = "sid-7e52c0a9d1b4f836"


def _wall(path: str, headers: dict[str, str]) -> Route | None:
    if path == "/robots.txt" or f"sid={COOKIE}" in headers.get("cookie", ""):
        return None
    return Route(b"<form><input type='password'></form>", "text/html", 403)


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    routes = {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/gallery/index.html": page(
            '<img src="/m/1.jpg"><img src="/m/deny-me.jpg"><img src="http://127.0.0.2:9/a.jpg">'
            '<a href="/gallery/2.html">2</a><a href="/about.html">about</a>'
            '<a href="/gallery/login">sign in</a><a href="http://127.0.0.2:9/x.html">away</a>',
            '<link rel="next" href="/gallery/p2.html">'),
        "/gallery/photo.jpg": Route(image_bytes(71), "image/jpeg"),
        "/gallery/2.html": page('<img src="/m/1.jpg">'), "/gallery/p2.html": page("the end"),
        "/private/index.html": page('<img src="/m/1.jpg">'),
        "/m/1.jpg": Route(image_bytes(72), "image/jpeg"),
    }
    with FixtureSite(routes, gate=_wall) as server:
        yield server


def data_dir(tmp_path: Path, base: str, start: str = "/gallery/index.html", **extra: str) -> Path:
    (tmp_path / "sites").mkdir(exist_ok=True)
    lines = [f'start_urls: ["{base}{start}"]', 'follow: ["/gallery/"]',
             'deny: ["deny-me", "login"]', "max_depth: 2", "delay: 0",
             "auth: {cookies_env: WALL_COOKIE}"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    (tmp_path / "sites" / "walled.yaml").write_text("\n".join(lines) + "\n")
    return tmp_path


def sites(data: Path, *args: str) -> int:
    return main(["--data-dir", str(data), "sites", *args])


def test_check_shows_what_a_crawl_would_take_from_the_walled_page_without_the_secret(
        tmp_path: Path, site: FixtureSite, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALL_COOKIE", f"sid={COOKIE}")
    caplog.set_level(logging.DEBUG)
    data = data_dir(tmp_path, site.base)
    site.clear_log()
    assert sites(data, "check", "walled", "--allow-private", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["status"], result["content_type"], result["robots"]) == (200, "text/html",
                                                                            "allowed")
    assert result["auth_headers"] == ["Cookie"] and result["error"] is None
    preview = result["preview"]
    assert preview["read_as"] == "html"
    assert preview["media"] == [f"{site.base}/m/1.jpg", "http://127.0.0.2:9/a.jpg"]
    assert preview["links"] == [f"{site.base}/gallery/2.html"]
    assert preview["links_not_followed"] == 3  # about (follow), login (deny), away (off-site)
    assert (preview["next_page"], preview["next_by_rel"]) == (f"{site.base}/gallery/p2.html", True)
    assert site.paths() == ["/robots.txt", "/gallery/index.html"]  # one page; nothing else
    assert all(f"sid={COOKIE}" in e.headers["cookie"] for e in site.log)

    assert sites(data, "check", str(data / "sites" / "walled.yaml"), "--allow-private",
                 "--show", "1") == 0
    text = capsys.readouterr().out
    assert "status    200 text/html" in text and "auth      sent Cookie (values not shown)" in text
    assert "media     2 to fetch; the first 1:" in text and f"  {site.base}/m/1.jpg" in text
    assert f"next      {site.base}/gallery/p2.html (rel=next)" in text
    assert COOKIE not in text + json.dumps(result) + caplog.text


def test_check_exit_statuses_name_why_nothing_was_fetched(
        tmp_path: Path, site: FixtureSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = data_dir(tmp_path, site.base)
    monkeypatch.delenv("WALL_COOKIE", raising=False)
    assert sites(data, "check", "walled", "--allow-private") == 2  # a config error: one line
    assert capsys.readouterr().err == ("jikimi: error: site walled: auth.cookies_env WALL_COOKIE:"
                                       " environment variable not set\n")
    assert sites(data, "check", "nosuch") == 2

    monkeypatch.setenv("WALL_COOKIE", "sid=wrong")  # the wall answers 403
    assert sites(data, "check", "walled", "--allow-private", "--json") == 3
    result = json.loads(capsys.readouterr().out)
    assert (result["status"], result["error"], result["preview"]) == (403, "http 403", None)
    assert any("password field" in note for note in result["notes"])

    assert sites(data, "check", "walled", "--json") == 3  # loopback without --allow-private
    result = json.loads(capsys.readouterr().out)
    assert result["status"] is None and "crawl.allow_private" in result["error"]

    data = data_dir(tmp_path, site.base, start="/private/index.html")
    site.clear_log()
    assert sites(data, "check", "walled", "--allow-private") == 3
    assert "error     disallowed by robots.txt" in capsys.readouterr().out
    assert site.paths() == ["/robots.txt"]  # the page itself was not fetched


def test_check_of_a_start_url_that_is_a_media_file(
        tmp_path: Path, site: FixtureSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALL_COOKIE", f"sid={COOKIE}")
    data = data_dir(tmp_path, site.base, start="/gallery/photo.jpg", robots="ignore")
    assert sites(data, "check", "walled", "--allow-private", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["robots"] == "ignored"
    assert result["preview"]["read_as"] == "media file (image/jpeg)"
    assert result["preview"]["media"] == [f"{site.base}/gallery/photo.jpg"]


def test_list_shows_each_site_with_its_last_crawl_and_new_media_per_day(
        tmp_path: Path, site: FixtureSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALL_COOKIE", f"sid={COOKIE}")
    data = data_dir(tmp_path, site.base, paused="true")
    (data / "sites" / "quiet.yaml").write_text(f'start_urls: ["{site.base}/x.html"]\n'
                                               'schedule: "0 3 * * *"\n')
    (data / "sites" / "broken.yaml").write_text("start_urls: [\n")
    # 127.0.0.2:9 refuses the connection: one media error
    assert main(["--data-dir", str(data), "crawl", "walled", "--allow-private"]) == 2  # paused
    assert main(["--data-dir", str(data), "crawl", "walled", "--allow-private",
                 "--even-if-paused"]) == 1
    capsys.readouterr()
    assert sites(data, "list", "--json") == 1  # the broken file is listed as a problem
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert list(rows) == ["broken", "quiet", "walled"]
    assert "invalid YAML" in rows["broken"]["problem"]
    assert rows["quiet"]["last_crawl_at"] is None and rows["quiet"]["schedule"] == "0 3 * * *"
    walled = rows["walled"]
    assert (walled["paused"], walled["auth"], walled["last_crawl_status"]) == (True, True,
                                                                               "finished")
    assert (walled["last_pages"], walled["last_media_new"], walled["last_errors"]) == (3, 1, 1)
    assert "http://127.0.0.2:9/a.jpg" in walled["last_error"]
    today = datetime.now(UTC).date().isoformat()
    assert len(walled["new_media_per_day"]) == 7 and walled["new_media_per_day"][today] == 1
    assert sites(data, "list") == 1
    text = capsys.readouterr().out
    assert "walled  web  '0 */6 * * *'  paused  auth  last " in text
    assert "finished: 3 pages, 2 media (1 new), 1 errors  new/day(7d): 0 0 0 0 0 0 1" in text
    assert COOKIE not in text


def test_list_counts_the_last_seven_days_and_shows_a_failed_last_crawl(tmp_path: Path) -> None:
    seven_days_of_crawls(Settings.model_validate({"data_dir": tmp_path}))


def seven_days_of_crawls(settings: Settings) -> None:
    """Recorded crawls over eight days, read back by `list_sites` (SQLite here, and
    tests/elastic/test_sites_es.py on Elasticsearch)."""
    tmp_path = settings.data_dir
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "gallery.yaml").write_text('start_urls: ["https://example.org/"]\n')
    today = date(2026, 3, 10)

    def crawled(days_ago: int, hour: int, action: str = CRAWL_FINISHED, **detail: object) -> None:
        at = datetime(2026, 3, 10, hour, tzinfo=UTC) - timedelta(days=days_ago)
        store.record_audit(AuditEvent(action=action, actor="jikimi:flow",
                                      subject=site_subject("gallery"), at=at, detail=detail))

    with closing(registry.open_store(settings)) as store:
        crawled(7, 1, media_new=50, pages=9)  # a week ago: outside the seven days
        crawled(6, 1, media_new=3, pages=4)
        crawled(2, 1, media_new=1, pages=4)
        crawled(2, 13, media_new=4, pages=5, errors=2, first_error="page x: http 500")
        crawled(0, 2, CRAWL_FAILED, errors=1, first_error="crawl of gallery failed: refused")
        store.record_audit(AuditEvent(action="site.other", actor="x",
                                      subject=site_subject("gallery"), at=datetime.now(UTC)))
        [summary] = list_sites(settings, store, today=today)
    assert summary.crawls == 5
    assert list(summary.new_media_per_day.values()) == [3, 0, 0, 0, 5, 0, 0]
    assert min(summary.new_media_per_day) == "2026-03-04"
    assert (summary.last_crawl_status, summary.last_errors) == ("failed", 1)
    assert summary.last_error == "crawl of gallery failed: refused"
    assert summary.last_pages == 0


def test_check_of_a_telegram_channel_reads_its_preview_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FixtureSite() as server:
        preview = TelegramPreview(server.base, f"http://localhost:{server.port}", media={})
        server.dynamic = preview.route
        site_file = tmp_path / "share-channels.yaml"
        site_file.write_text(site_yaml(server.base), encoding="utf-8")
        assert sites(tmp_path, "check", str(site_file), "--allow-private", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["url"] == f"{server.base}/s/{CHANNEL}" and result["status"] == 200
    found = result["preview"]
    assert found["read_as"] == "telegram" and found["media_total"] > 0
    assert all(url.startswith(f"http://localhost:{server.port}/file/") for url in found["media"])
    assert found["next_page"].startswith(f"{server.base}/s/{CHANNEL}?before=")
