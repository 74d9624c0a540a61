"""A paused site is not crawled on schedule: the scheduler keeps its entry (and Airflow its
DAG and history) without a schedule, the crawl task skips it, and `jikimi crawl|run NAME` says
it is paused (exit 2) unless asked `--even-if-paused`. Every crawl is recorded for the site's
statistics (`crawl.finished`)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from jikimi.schedule.sites import scheduled_sites
from jikimi.schedule.tasks import crawl_site
from jikimi.site_stats import site_stats
from kernel.settings import Settings, load_settings
from tests.crawl_site import FixtureSite, Route, image_bytes, page

ROUTES = {"/": page('<img src="/a.jpg"><a href="/2">next</a>'), "/2": page("<p>two</p>"),
          "/a.jpg": Route(image_bytes(3), "image/jpeg")}


def site_file(data: Path, name: str, base: str, paused: bool) -> None:
    folder = data / "sites"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(
        f"start_urls: ['{base}/']\nschedule: '5 4 * * *'\ndelay: 0\nmax_pages: 5\n"
        + ("paused: true\n" if paused else ""), encoding="utf-8")


def settings_for(data: Path) -> Settings:
    settings = load_settings(data_dir=str(data))
    settings.crawl.allow_private = True
    return settings


def test_the_scheduler_keeps_a_paused_site_without_a_schedule(tmp_path: Path) -> None:
    site_file(tmp_path, "active", "https://a.example", paused=False)
    site_file(tmp_path, "resting", "https://r.example", paused=True)
    sites, problems = scheduled_sites(load_settings(data_dir=str(tmp_path)))
    assert problems == []
    assert [(s.name, s.paused, s.schedule, s.timetable) for s in sites] == [
        ("active", False, "5 4 * * *", "5 4 * * *"), ("resting", True, "5 4 * * *", None)]


def test_the_crawl_task_skips_a_paused_site_and_crawls_it_once_resumed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with FixtureSite(ROUTES) as web:
        site_file(tmp_path, "gallery", web.base, paused=True)
        assert crawl_site("gallery", settings) == {"site": "gallery", "paused": True}
        assert web.paths() == []  # not one request
        site_file(tmp_path, "gallery", web.base, paused=False)
        result = crawl_site("gallery", settings)
        assert result["pages"] == 2 and web.paths()
    with closing(registry.open_store(settings)) as store:
        stats = site_stats(store, "gallery")
    assert stats.last_crawl is not None and stats.last_crawl.pages == 2
    assert stats.media_new_total == 1 and stats.days[-1].crawls == 1


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_a_paused_site_is_refused_by_name_unless_asked_even_if_paused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    with FixtureSite(ROUTES) as web:
        site_file(tmp_path, "gallery", web.base, paused=True)
        args = ["--data-dir", str(tmp_path), command, "gallery", "--allow-private"]
        assert main(args) == 2
        assert "site 'gallery' is paused" in capsys.readouterr().err
        assert web.paths() == []
        if command == "crawl":  # `run` adds enrichment, which the flow tests cover
            assert main([*args, "--even-if-paused"]) == 0
            assert "/" in web.paths()
    assert "paused: true" in (tmp_path / "sites" / "gallery.yaml").read_text(encoding="utf-8")
    with closing(registry.open_store(settings_for(tmp_path))) as store:
        crawls = [e for e in store.audit_events("site:gallery") if e.action == "crawl.finished"]
    assert len(crawls) == (1 if command == "crawl" else 0)
    assert all(e.actor == "jikimi:flow" and e.detail["pages"] == 2 for e in crawls)
