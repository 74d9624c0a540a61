"""Site files written for the portal: validated, minimal, atomic, and never over a newer change;
statistics from the crawls' audit events."""

from __future__ import annotations

import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from crawlers.report import CrawlReport
from crawlers.sites import find_site, load_sites
from jikimi import registry
from jikimi.crawl_log import record_crawl_in
from jikimi.site_admin import change_site, create_site, set_paused
from jikimi.site_files import (
    LOCK_FILE,
    SiteChanged,
    SiteInvalid,
    read_site_file,
    write_site_file,
)
from jikimi.site_stats import site_stats
from kernel.errors import AlreadyExists, NotFound
from kernel.settings import Settings, load_settings

WEB = {"name": "gallery", "start_urls": ["https://Gallery.example/a"], "kind": "web",
       "robots": "obey", "concurrency": "2", "max_depth": "3", "schedule": "0  */6 * * *",
       "follow": []}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=str(tmp_path / "data"))


def test_only_set_non_default_fields_are_written_and_the_file_loads(tmp_path: Path) -> None:
    written = write_site_file(tmp_path, "gallery", WEB, create=True)
    text = (tmp_path / "gallery.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == {"name": "gallery", "start_urls": ["https://Gallery.example/a"],
                                    "max_depth": 3, "schedule": "0 */6 * * *"}
    assert written.site is not None and written.site.allowed_domains == ["gallery.example"]
    crawl = load_settings(data_dir=str(tmp_path)).crawl
    assert find_site("gallery", tmp_path, crawl).max_depth == 3
    assert [p.name for p in tmp_path.iterdir() if p.name != LOCK_FILE] == ["gallery.yaml"]
    assert [s.name for s in load_sites(tmp_path)] == ["gallery"]  # the lock file is not a site


def test_a_telegram_site_keeps_its_start_urls_derived(tmp_path: Path) -> None:
    data = {"name": "chan", "kind": "telegram", "channels": ["somechannel"],
            "base_url": "http://127.0.0.1:9"}
    written = write_site_file(tmp_path, "chan", data, create=True)
    assert "start_urls" not in written.data  # moves with base_url
    assert written.site is not None
    assert written.site.start_urls == ["http://127.0.0.1:9/s/somechannel"]


def test_invalid_fields_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    bad = {"name": "bad name", "start_urls": ["ftp://x.example/"], "follow": ["("],
           "schedule": "61 * * * *", "max_depth": "-1", "concurrency": "many"}
    with pytest.raises(SiteInvalid) as caught:
        write_site_file(tmp_path, "bad", bad, create=True)
    kinds = {(p.field, p.kind) for p in caught.value.problems}
    assert kinds == {("name", "value_error"), ("start_urls", "value_error"),
                     ("follow", "value_error"), ("schedule", "value_error"),
                     ("max_depth", "greater_than_equal"), ("concurrency", "int_parsing")}
    with pytest.raises(SiteInvalid) as caught:  # a whole-definition check, tied to its field
        write_site_file(tmp_path, "empty", {"name": "empty"}, create=True)
    assert [p.field for p in caught.value.problems] == ["start_urls"]
    assert list(tmp_path.glob("*.yaml")) == []


def test_a_taken_name_a_missing_site_and_a_stale_version_are_refused(tmp_path: Path) -> None:
    first = write_site_file(tmp_path, "gallery", WEB, create=True)
    (tmp_path / "other.yml").write_text("name: taken\nstart_urls: ['https://t.example/']\n",
                                        encoding="utf-8")
    with pytest.raises(AlreadyExists):
        write_site_file(tmp_path, "gallery", WEB, create=True)
    with pytest.raises(AlreadyExists):  # another file already defines that name
        write_site_file(tmp_path, "taken", {**WEB, "name": "taken"}, create=True)
    with pytest.raises(NotFound):
        write_site_file(tmp_path, "nothing", {**WEB, "name": "nothing"}, create=False)
    second = write_site_file(tmp_path, "gallery", {**WEB, "max_pages": 9}, create=False,
                             version=first.version)
    with pytest.raises(SiteChanged):  # written over the first version: refused
        write_site_file(tmp_path, "gallery", {**WEB, "max_pages": 1}, create=False,
                        version=first.version)
    assert read_site_file(tmp_path, "gallery").version == second.version
    write_site_file(tmp_path, "other", {"name": "other", "start_urls": ["https://o.example/"]},
                    create=False)
    assert not (tmp_path / "other.yaml").exists()  # a .yml file stays .yml


def test_concurrent_writers_leave_one_whole_file_and_no_temporary_files(tmp_path: Path) -> None:
    write_site_file(tmp_path, "gallery", WEB, create=True)
    seen: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.append((tmp_path / "gallery.yaml").read_text(encoding="utf-8"))

    watcher = threading.Thread(target=reader)
    watcher.start()
    writers = [threading.Thread(target=lambda n=n: [write_site_file(
        tmp_path, "gallery", {**WEB, "max_pages": n * 100 + i}, create=False)
        for i in range(20)]) for n in range(1, 4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    watcher.join()
    assert seen and all(yaml.safe_load(text)["name"] == "gallery" for text in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["gallery.yaml", LOCK_FILE])


def test_changes_pauses_and_resumes_are_audited_by_field_name(settings: Settings) -> None:
    folder = settings.sites_dir
    with closing(registry.open_store(settings)) as store:
        create_site(store, folder, "account:a", {**WEB, "headers": {"X-Key": "s3cret"}})
        _, changed = change_site(store, folder, "account:a", "gallery",
                                 {**WEB, "max_pages": "7", "deny": ["/login"]})
        assert changed == ["deny", "max_pages"]
        assert read_site_file(folder, "gallery").data["headers"] == {"X-Key": "s3cret"}
        assert change_site(store, folder, "account:a", "gallery",
                           {**WEB, "max_pages": "7", "deny": ["/login"]})[1] == []
        _, changed = change_site(store, folder, "account:a", "gallery",  # given: replaced
                                 {**WEB, "max_pages": "7", "deny": ["/login"], "headers": {}})
        assert changed == ["headers"] and "headers" not in read_site_file(folder, "gallery").data
        with pytest.raises(SiteInvalid):  # renaming
            change_site(store, folder, "account:a", "gallery", {**WEB, "name": "other"})
        with pytest.raises(SiteInvalid):  # pausing through an edit
            change_site(store, folder, "account:a", "gallery", {**WEB, "paused": True})
        set_paused(store, folder, "account:b", "gallery", True)
        set_paused(store, folder, "account:b", "gallery", True)  # already: nothing recorded
        assert read_site_file(folder, "gallery").data["paused"] is True
        set_paused(store, folder, "account:a", "gallery", False)
        assert "paused" not in read_site_file(folder, "gallery").data
        events = [(e.action, e.actor, e.detail) for e in store.audit_events("site:gallery")]
    assert events == [
        ("site.created", "account:a", {"fields": ["headers", "max_depth", "name", "schedule",
                                                  "start_urls"], "paused": False}),
        ("site.changed", "account:a", {"fields": ["deny", "max_pages"]}),
        ("site.changed", "account:a", {"fields": ["headers"]}),
        ("site.paused", "account:b", {}), ("site.resumed", "account:a", {})]
    assert "s3cret" not in repr(events)


def test_stats_count_new_media_per_day_and_show_the_last_crawl(settings: Settings) -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with closing(registry.open_store(settings)) as store:
        for days_ago, new, errors in ((9, 50, 0), (3, 4, 0), (3, 6, 1), (0, 2, 3)):
            report = CrawlReport("gallery", pages=10 + days_ago, media_new=new,
                                 errors=[f"error {i}" for i in range(errors)])
            record_crawl_in(store, report, at=now - timedelta(days=days_ago, hours=1))
        stats = site_stats(store, "gallery", now=now)
        empty = site_stats(store, "quiet", now=now)
    assert [(d.day.isoformat(), d.media_new, d.crawls) for d in stats.days] == [
        ("2026-03-04", 0, 0), ("2026-03-05", 0, 0), ("2026-03-06", 0, 0),
        ("2026-03-07", 10, 2), ("2026-03-08", 0, 0), ("2026-03-09", 0, 0),
        ("2026-03-10", 2, 1)]
    assert stats.media_new_total == 12 and stats.media_new_peak == 10
    assert stats.last_crawl is not None
    assert (stats.last_crawl.pages, stats.last_crawl.errors) == (10, 3)
    assert stats.last_crawl.error_lines == ["error 0", "error 1", "error 2"]
    assert empty.last_crawl is None and empty.media_new_total == 0
