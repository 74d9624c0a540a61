"""Site definitions: YAML loading, defaults, validation errors naming the file, lookup by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.cron import validate_cron
from crawlers.sites import SiteDefinition, find_site, load_site, load_sites, site_from_url
from kernel.errors import ConfigError
from kernel.settings import load_settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_full_definition_loads_with_every_field(tmp_path: Path) -> None:
    path = write(tmp_path / "gallery.yaml", """
start_urls: [https://gallery.example/, https://gallery.example/new]
allowed_domains: [gallery.example, cdn.gallery.example]
follow: ['/albums/']
deny: ['/logout', '\\?sort=']
max_depth: 5
max_pages: 1000
schedule: "30 2 * * mon-fri"
robots: ignore
concurrency: 4
delay: 1.5
headers: {Accept-Language: ko}
""")
    site = load_site(path)
    assert site.name == "gallery"
    assert site.allowed_domains == ["gallery.example", "cdn.gallery.example"]
    assert (site.max_depth, site.max_pages, site.robots, site.concurrency, site.delay) == (
        5, 1000, "ignore", 4, 1.5)
    assert site.schedule == "30 2 * * mon-fri"
    assert site.headers == {"Accept-Language": "ko"}


def test_defaults_come_from_the_start_urls_and_settings(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "name: mini\nstart_urls: ['https://Mini.Example:8443/a']\n")
    settings = load_settings(data_dir=str(tmp_path))
    settings.crawl.default_max_depth, settings.crawl.default_max_pages = 7, 77
    site = load_site(path, settings.crawl)
    assert site.name == "mini"
    assert site.allowed_domains == ["mini.example"]
    assert (site.max_depth, site.max_pages) == (7, 77)
    assert (site.schedule, site.robots, site.concurrency, site.delay) == (
        "0 */6 * * *", "obey", 2, 0.5)
    assert site.follow == [] and site.deny == [] and site.headers == {}
    unresolved = load_site(path)
    assert unresolved.max_depth is None
    assert unresolved.resolve(settings.crawl).max_pages == 77


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("start_urls: [https://x.example/\n  bad: [", "invalid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("start_urls: []\n", "start_urls"),
        ("start_urls: ['ftp://x.example/']\n", "not an http(s) URL"),
        ("start_urls: ['https://x.example/']\nmax_depht: 3\n", "max_depht"),
        ("start_urls: ['https://x.example/']\nfollow: ['(unclosed']\n", "bad regex"),
        ("start_urls: ['https://x.example/']\nschedule: '61 * * * *'\n", "minute"),
        ("start_urls: ['https://x.example/']\nschedule: '* * *'\n", "5 fields"),
        ("start_urls: ['https://x.example/']\nrobots: sometimes\n", "robots"),
        ("start_urls: ['https://x.example/']\nconcurrency: 0\n", "concurrency"),
        ("start_urls: ['https://x.example/']\ndelay: -1\n", "delay"),
        ("name: '../etc'\nstart_urls: ['https://x.example/']\n", "name"),
        ("kind: telegram\n", "needs channels"),
        ("kind: telegram\nchannels: ['no']\n", "not a public channel name"),
        ("kind: forum\nstart_urls: ['https://x.example/']\n", "kind"),
        ("start_urls: ['https://x.example/']\nchannels: ['some_channel']\n", "only for kind"),
        ("start_urls: ['https://x.example/']\ntemplate: myforum\n", "template"),
        ("start_urls: ['https://x.example/']\nrender: chrome\n", "render"),
        ("start_urls: ['https://x.example/']\nauth: {}\n", "at least one of"),
        ("start_urls: ['https://x.example/']\nauth: {cookie: x}\n", "cookie"),
    ],
)
def test_bad_site_file_is_a_one_line_config_error_naming_the_file(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = write(tmp_path / "broken.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_site(path)
    message = str(caught.value)
    assert str(path) in message and fragment in message
    assert "\n" not in message


def test_a_telegram_site_starts_at_each_channels_public_preview(tmp_path: Path) -> None:
    path = write(tmp_path / "share-channels.yaml", """
name: share-channels
kind: telegram
channels: [some_channel, other_channel]
max_pages: 50
schedule: "*/30 * * * *"
""")
    site = load_site(path)
    assert site.kind == "telegram" and site.base_url == "https://t.me"
    assert site.start_urls == ["https://t.me/s/some_channel", "https://t.me/s/other_channel"]
    assert site.allowed_domains == ["t.me"]
    local = SiteDefinition(name="t", kind="telegram", channels=["some_channel"],
                           base_url="http://127.0.0.1:8080/")
    assert local.start_urls == ["http://127.0.0.1:8080/s/some_channel"]


def test_render_template_and_auth_are_named_in_the_site_file_not_their_secrets(
        tmp_path: Path) -> None:
    path = write(tmp_path / "forum.yaml", """
start_urls: ['https://forum.example/']
render: browser
render_timeout: 15
template: xenforo
auth: {cookies_env: FORUM_COOKIES, headers_file: /etc/jikimi/forum-headers.json}
""")
    site = load_site(path)
    assert (site.render, site.render_timeout, site.template) == ("browser", 15.0, "xenforo")
    assert site.auth is not None and site.auth.cookies_env == "FORUM_COOKIES"
    assert str(site.auth.headers_file) == "/etc/jikimi/forum-headers.json"
    plain = site_from_url("https://x.example/")
    assert (plain.kind, plain.render, plain.template, plain.auth) == ("web", "static", None, None)


def test_load_sites_reads_every_yaml_file_sorted(tmp_path: Path) -> None:
    write(tmp_path / "b.yml", "start_urls: ['https://b.example/']\n")
    write(tmp_path / "a.yaml", "start_urls: ['https://a.example/']\n")
    write(tmp_path / "notes.txt", "not a site")
    assert [s.name for s in load_sites(tmp_path)] == ["a", "b"]
    assert load_sites(tmp_path / "missing") == []


def test_find_site_by_name_in_the_data_dir_or_by_path(tmp_path: Path) -> None:
    settings = load_settings(data_dir=str(tmp_path / "data"))
    write(settings.sites_dir / "gallery.yaml", "start_urls: ['https://g.example/']\n")
    other = write(tmp_path / "elsewhere" / "other.yaml", "start_urls: ['https://o.example/']\n")
    by_name = find_site("gallery", settings.sites_dir, settings.crawl)
    assert by_name.start_urls == ["https://g.example/"]
    assert by_name.max_pages == settings.crawl.default_max_pages
    assert find_site(str(other), settings.sites_dir, settings.crawl).name == "other"
    with pytest.raises(ConfigError, match="no site named 'nope'"):
        find_site("nope", settings.sites_dir, settings.crawl)
    with pytest.raises(ConfigError, match="site file not found"):
        find_site(str(tmp_path / "missing.yaml"), settings.sites_dir, settings.crawl)


def test_site_from_url_builds_an_adhoc_definition() -> None:
    site = site_from_url("http://127.0.0.1:8000/index.html")
    assert site.name == "127.0.0.1"
    assert site.start_urls == ["http://127.0.0.1:8000/index.html"]
    assert site.allowed_domains == ["127.0.0.1"]
    with pytest.raises(ConfigError, match="not an http"):
        site_from_url("javascript:alert(1)")


def test_definitions_are_immutable_values() -> None:
    site = SiteDefinition(name="x", start_urls=["https://x.example/"])
    with pytest.raises(ValueError):
        site.delay = 0


@pytest.mark.parametrize(
    "expression",
    ["0 */6 * * *", "*/15 0-23/2 1,15 jan-jun mon-fri", "5 4 * * 7", "@daily", " 0  1 * * * "],
)
def test_valid_cron_expressions(expression: str) -> None:
    assert validate_cron(expression)


@pytest.mark.parametrize(
    "expression", ["", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                   "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * * funday"],
)
def test_invalid_cron_expressions(expression: str) -> None:
    with pytest.raises(ValueError):
        validate_cron(expression)
