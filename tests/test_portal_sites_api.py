"""The sites API (`/api/sites`), the pages' JSON twins for tokens: the same roles and audit,
validation errors by field, If-Match against lost updates, header values never sent out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.portal_fixtures import ROLES, sign_in
from tests.site_portal_fixtures import GALLERY, SitesPortal, sites_portal

FORUM: dict[str, Any] = {"name": "forum", "start_urls": ["https://forum.example/"],
                         "template": "phpbb", "schedule": "0 1 * * *",
                         "auth": {"headers_file": "/run/secrets/forum.json"}}


@pytest.fixture
def portal(tmp_path: Path) -> SitesPortal:
    made = sites_portal(tmp_path / "data")
    made.write_site("gallery", GALLERY)
    return made


def bearer(portal: SitesPortal, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {portal.tokens[role]}"}


def test_every_role_against_every_sites_operation(portal: SitesPortal) -> None:
    for role in ROLES:
        watcher, admin = role in ("operator", "admin"), role == "admin"
        with portal.client() as client:
            headers = bearer(portal, role)
            assert client.get("/api/sites", headers=headers).status_code == \
                (200 if watcher else 403), role
            assert client.get("/api/sites/gallery", headers=headers).status_code == \
                (200 if watcher else 403), role
            added = client.post("/api/sites", headers=headers,
                                json={**FORUM, "name": f"forum-{role}"})
            assert added.status_code == (201 if admin else 403), role
            changed = client.put("/api/sites/gallery", headers=headers,
                                 json={"name": "gallery", "start_urls": ["https://g.example/"]})
            assert changed.status_code == (200 if admin else 403), role
            paused = client.post("/api/sites/gallery/pause", headers=headers)
            assert paused.status_code == (200 if watcher else 403), role
            resumed = client.post("/api/sites/gallery/resume", headers=headers)
            assert resumed.status_code == (200 if admin else 403), role
    assert sorted(p.stem for p in portal.sites_dir.glob("*.yaml")) == ["forum-admin", "gallery"]


def test_reads_give_definitions_statistics_and_header_names_never_values(
        portal: SitesPortal) -> None:
    with portal.client() as client:
        listed = client.get("/api/sites", headers=bearer(portal, "operator"))
        one = client.get("/api/sites/gallery", headers=bearer(portal, "operator"))
        missing = client.get("/api/sites/nothing", headers=bearer(portal, "operator"))
    assert missing.status_code == 404
    [site] = listed.json()
    assert site == one.json()
    assert "hunter2" not in listed.text
    assert site["definition"]["header_names"] == ["Accept-Language", "X-Api-Key"]
    assert site["definition"]["max_pages"] == 50 and site["paused"] is False
    assert site["stats"]["last_crawl"] is None and len(site["stats"]["new_media_per_day"]) == 7
    assert len(site["version"]) == 64


def test_an_admin_adds_changes_and_is_told_what_is_wrong(portal: SitesPortal) -> None:
    headers = bearer(portal, "admin")
    with portal.client() as client:
        added = client.post("/api/sites", headers=headers, json=FORUM)
        again = client.post("/api/sites", headers=headers, json=FORUM)
        bad = client.post("/api/sites", headers=headers,
                          json={"name": "bad", "start_urls": ["ftp://x/"], "max_depth": -1})
        version = added.json()["version"]
        changed = client.put("/api/sites/forum", headers=headers | {"If-Match": version},
                             json={**FORUM, "max_pages": 30})
        stale = client.put("/api/sites/forum", headers=headers | {"If-Match": version},
                           json={**FORUM, "max_pages": 31})
        renamed = client.put("/api/sites/forum", headers=headers,
                             json={**FORUM, "name": "other"})
        paused_by_edit = client.put("/api/sites/forum", headers=headers,
                                    json={**FORUM, "max_pages": 30, "paused": True})
        missing = client.put("/api/sites/nothing", headers=headers,
                             json={**FORUM, "name": "nothing"})
    assert added.status_code == 201 and added.json()["definition"]["template"] == "phpbb"
    assert again.status_code == 409 and bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} >= {("body", "start_urls"),
                                                              ("body", "max_depth")}
    assert changed.status_code == 200 and changed.json()["changed"] == ["max_pages"]
    assert stale.status_code == 412
    assert renamed.status_code == 422 and renamed.json()["detail"][0]["kind"] == "rename"
    assert paused_by_edit.status_code == 422
    assert paused_by_edit.json()["detail"][0]["kind"] == "pause_action"
    assert missing.status_code == 404
    data = yaml.safe_load((portal.sites_dir / "forum.yaml").read_text(encoding="utf-8"))
    assert data["max_pages"] == 30 and data["auth"] == {"headers_file": "/run/secrets/forum.json"}
    actions = [(e.action, e.actor, e.detail.get("fields")) for e in portal.audit("forum")]
    assert actions == [("site.created", portal.actors["admin"],
                        ["auth", "name", "schedule", "start_urls", "template"]),
                       ("site.changed", portal.actors["admin"], ["max_pages"])]


def test_a_put_without_headers_keeps_them_and_pause_resume_answer_the_site(
        portal: SitesPortal) -> None:
    headers = bearer(portal, "admin")
    with portal.client() as client:
        kept = client.put("/api/sites/gallery", headers=headers,
                          json={"name": "gallery", "start_urls": ["https://gallery.example/"],
                                "max_pages": 60})
        paused = client.post("/api/sites/gallery/pause", headers=bearer(portal, "operator"))
        resumed = client.post("/api/sites/gallery/resume", headers=headers)
    assert kept.json()["changed"] == ["max_pages"]  # GALLERY's schedule is the default
    data = yaml.safe_load((portal.sites_dir / "gallery.yaml").read_text(encoding="utf-8"))
    assert data["headers"]["X-Api-Key"] == "hunter2-secret-value"
    assert paused.json()["paused"] is True
    assert paused.json()["paused_by"] == portal.actors["operator"]
    assert resumed.json()["paused"] is False


def test_a_session_needs_the_csrf_header_for_changes(portal: SitesPortal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["admin"])
        assert client.get("/api/sites").status_code == 200
        assert client.post("/api/sites/gallery/pause").status_code == 403
        assert client.post("/api/sites", json=FORUM).status_code == 403
        assert client.post("/api/sites/gallery/pause",
                           headers={"X-CSRF-Token": csrf}).status_code == 200
    assert [e.action for e in portal.audit("gallery")] == ["site.paused"]


def test_the_operations_are_in_the_openapi_document(portal: SitesPortal) -> None:
    with portal.client() as client:
        spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/sites"]) and "put" in paths["/api/sites/{name}"]
    assert "post" in paths["/api/sites/{name}/pause"]
    assert "post" in paths["/api/sites/{name}/resume"]
    assert "SiteDefinition" in spec["components"]["schemas"]
