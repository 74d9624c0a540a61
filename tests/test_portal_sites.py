"""Sites in the portal (issue 14): the list with statistics, the add and edit forms with their
errors next to each field, pause and resume; who may do what; CSRF; the audit log; header
values never on a page."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from crawlers.report import CrawlReport
from crawlers.sites import find_site
from jikimi import registry
from tests.portal_fixtures import ROLES, sign_in
from tests.site_portal_fixtures import GALLERY, SitesPortal, sites_portal

NEW = {"name": "forum", "kind": "web", "start_urls": "https://forum.example/\n\n",
       "follow": "/threads/", "schedule": "30 */4 * * *", "robots": "obey",
       "concurrency": "2", "delay": "1", "render": "static", "render_timeout": "20",
       "template": "xenforo", "max_pages": "", "cookies_env": "FORUM_COOKIES",
       "new_headers": "Accept-Language: ko"}


@pytest.fixture
def portal(tmp_path: Path) -> SitesPortal:
    made = sites_portal(tmp_path / "data")
    made.write_site("gallery", GALLERY)
    return made


def test_who_may_see_add_edit_pause_and_resume(portal: SitesPortal) -> None:
    for role in ROLES:
        with portal.client() as client:
            csrf = sign_in(client, portal.usernames[role])
            listed = client.get("/sites")
            assert listed.status_code == (200 if role in ("operator", "admin") else 403), role
            for path in ("/sites/new", "/sites/gallery/edit"):
                status = client.get(path).status_code
                assert status == (200 if role == "admin" else 403), (role, path)
            added = client.post("/sites", data={**NEW, "name": f"f-{role}", "csrf": csrf})
            assert added.status_code == (303 if role == "admin" else 403), role
            paused = client.post("/sites/gallery/pause", data={"csrf": csrf})
            assert paused.status_code == (303 if role in ("operator", "admin") else 403), role
            resumed = client.post("/sites/gallery/resume", data={"csrf": csrf})
            assert resumed.status_code == (303 if role == "admin" else 403), role
    assert sorted(p.stem for p in portal.sites_dir.glob("*.yaml")) == ["f-admin", "gallery"]
    with closing(registry.open_store(portal.settings)) as store:  # refusals: by request path
        refused = {e.actor for e in store.audit_events("/sites/gallery/resume")
                   if e.action == "portal.refused"}
    assert refused == {portal.actors[r] for r in ("victim", "operator", "takedown")}
    actions = [(e.action, e.actor) for e in portal.audit("gallery")]
    assert actions == [("site.paused", portal.actors["operator"]),  # the admin's: already
                       ("site.resumed", portal.actors["admin"])]  # the operator could not


def test_an_admin_adds_a_site_that_the_crawler_loads(portal: SitesPortal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["admin"])
        form = client.get("/sites/new")
        assert 'name="cookies_env"' in form.text and "비밀값" in form.text
        answer = client.post("/sites", data={**NEW, "csrf": csrf})
        assert answer.status_code == 303 and answer.headers["location"] == "/sites?saved=forum"
        listed = client.get("/sites?saved=forum")
    assert 'id="site-forum"' in listed.text and "수집 중" in listed.text
    data = yaml.safe_load((portal.sites_dir / "forum.yaml").read_text(encoding="utf-8"))
    assert data == {"name": "forum", "start_urls": ["https://forum.example/"],
                    "template": "xenforo", "follow": ["/threads/"],
                    "schedule": "30 */4 * * *", "delay": 1.0,
                    "auth": {"cookies_env": "FORUM_COOKIES"},
                    "headers": {"Accept-Language": "ko"}}
    site = find_site("forum", portal.sites_dir, portal.settings.crawl)
    assert site.auth is not None and site.auth.cookies_env == "FORUM_COOKIES"
    [event] = portal.audit("forum")
    assert (event.action, event.actor) == ("site.created", portal.actors["admin"])


@pytest.mark.parametrize("lang, expected", [
    ("ko", ["호스트가 있는 http(s) 주소", "정규식이 올바르지 않습니다", "cron 형식이 아닙니다",
            "0 이상이어야 합니다", "이름: 값"]),
    ("en", ["is not an http(s) URL with a host", "bad regex", "Not a cron schedule",
            "At least 0.", "Write each header as"]),
])
def test_errors_are_shown_next_to_their_field_in_her_language(
        portal: SitesPortal, lang: str, expected: list[str]) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["admin"])
        bad = {**NEW, "csrf": csrf, "start_urls": "ftp://forum.example/", "follow": "(",
               "schedule": "every day", "max_depth": "-2"}
        answer = client.post(f"/sites?lang={lang}", data=bad)
        assert answer.status_code == 400
        headers_wrong = client.post(f"/sites?lang={lang}",
                                    data={**NEW, "csrf": csrf, "new_headers": "no colon"})
    page = answer.text + headers_wrong.text
    for text in expected:
        assert text in page, text
    for field in ("start_urls", "follow", "schedule", "max_depth"):
        assert f'id="error-{field}"' in answer.text and \
            f'aria-describedby="error-{field}"' in answer.text
    assert "ftp://forum.example/" in answer.text  # what she typed stays in the form
    assert not (portal.sites_dir / "forum.yaml").exists()
    assert portal.audit("forum") == []


def test_every_form_needs_its_csrf_token(portal: SitesPortal) -> None:
    with portal.client() as client:
        sign_in(client, portal.usernames["admin"])
        for path, data in (("/sites", NEW), ("/sites/gallery/edit", NEW),
                           ("/sites/gallery/pause", {}), ("/sites/gallery/resume", {})):
            assert client.post(path, data={**data, "csrf": "forged"}).status_code == 403, path
            assert client.post(path, data=data).status_code == 403, path
    assert portal.audit("gallery") == [] and not (portal.sites_dir / "forum.yaml").exists()


def test_editing_shows_header_names_only_keeps_or_drops_them_and_refuses_a_stale_save(
        portal: SitesPortal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["admin"])
        form = client.get("/sites/gallery/edit")
        assert "X-Api-Key" in form.text and "hunter2" not in form.text
        assert 'name="name" value="gallery" readonly' in form.text
        version = form.text.split('name="version" value="')[1].split('"')[0]
        edit = {"csrf": csrf, "version": version, "start_urls": "https://gallery.example/",
                "schedule": "0 3 * * *", "max_pages": "80", "keep_header": "X-Api-Key",
                "name": "renamed"}  # the name is fixed: the path's wins
        saved = client.post("/sites/gallery/edit", data=edit)
        assert saved.status_code == 200 and "max_pages" in saved.text
        assert "hunter2" not in saved.text
        stale = client.post("/sites/gallery/edit", data={**edit, "max_pages": "5"})
        assert stale.status_code == 409 and "그 사이에" in stale.text
        listed = client.get("/sites")
    data = yaml.safe_load((portal.sites_dir / "gallery.yaml").read_text(encoding="utf-8"))
    assert data["headers"] == {"X-Api-Key": "hunter2-secret-value"}  # Accept-Language dropped
    assert (data["schedule"], data["max_pages"]) == ("0 3 * * *", 80)
    assert not (portal.sites_dir / "renamed.yaml").exists()
    assert "hunter2" not in listed.text
    [event] = portal.audit("gallery")
    assert event.action == "site.changed" and event.actor == portal.actors["admin"]
    assert event.detail == {"fields": ["headers", "max_pages", "schedule"]}


def test_the_list_shows_each_sites_last_crawl_pages_errors_and_new_media(
        portal: SitesPortal) -> None:
    now = datetime.now(UTC)
    portal.crawled(CrawlReport("gallery", pages=41, media_new=7), now - timedelta(days=2))
    portal.crawled(CrawlReport("gallery", pages=42, media_new=5,
                               errors=["https://gallery.example/x.jpg: HTTP 404"]), now)
    portal.write_site("broken", "name: broken\nstart_urls: [ftp://x/]\n")
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        client.post("/sites/gallery/pause", data={"csrf": csrf})
        page = client.get("/sites?lang=en").text
    card = page.split('id="site-gallery"')[1].split("</li>")[0]
    assert 'class="n-pages">42<' in card and 'class="n-errors warn">1<' in card
    assert 'class="n-new">12<' in card and card.count("<rect ") == 7
    assert "HTTP 404" in card and "Paused" in card
    assert 'class="paused-by">operator-lee · ' in card  # who paused it, by name
    assert 'action="/sites/gallery/resume"' not in card  # operators do not resume
    assert "/sites/gallery/edit" not in card
    assert 'id="site-broken"' in page and "does not load" in page
