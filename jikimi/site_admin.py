"""Managing crawl targets: add, change, pause and resume a site, each written to the audit log.

The portal's pages and its JSON API call these; the files are written by `jikimi.site_files`.
Who may do what is the portal's check (admins add and change sites; operators may also pause
one, since stopping a crawl is always safe, but only admins resume: that, like adding, sends
the crawler somewhere). The audit events name fields, never values: a site's `headers` may
hold something secret, and its values are never shown or logged (`auth` names where secrets
live instead). A site keeps its name: sightings, statistics and its Airflow DAG are keyed by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawlers.sites import SiteDefinition
from jikimi.site_files import (
    FieldProblem,
    SiteFile,
    SiteInvalid,
    list_site_files,
    read_site_file,
    validate,
    write_site_file,
)
from jikimi.site_stats import SiteStats, site_stats, site_subject
from kernel.ports import HitStore
from kernel.records import AuditEvent


@dataclass(frozen=True)
class PauseState:
    """Who paused the site and when, from the audit log (None when not recorded)."""

    at: str | None
    actor: str | None


@dataclass(frozen=True)
class SiteView:
    file: SiteFile
    stats: SiteStats
    pause: PauseState | None  # set when the site is paused

    def to_dict(self) -> dict[str, Any]:
        """The site for JSON: its fields as written, headers by name only."""
        site = self.file.site
        return {"name": self.file.name, "version": self.file.version,
                "problem": self.file.problem,
                "paused": bool(site and site.paused),
                "paused_at": self.pause.at if self.pause else None,
                "paused_by": self.pause.actor if self.pause else None,
                "definition": shown_fields(self.file.data),
                "stats": self.stats.to_dict()}


def shown_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The file's fields with header values left out: `headers` becomes `header_names`."""
    shown = {k: v for k, v in data.items() if k != "headers"}
    headers = data.get("headers")
    if isinstance(headers, dict) and headers:
        shown["header_names"] = sorted(str(k) for k in headers)
    return shown


def site_views(store: HitStore, sites_dir: Path) -> list[SiteView]:
    return [_view(store, f) for f in list_site_files(sites_dir)]


def site_view(store: HitStore, sites_dir: Path, name: str) -> SiteView:
    return _view(store, read_site_file(sites_dir, name))


def create_site(store: HitStore, sites_dir: Path, actor: str,
                data: dict[str, Any]) -> SiteFile:
    name = str(data.get("name") or "")
    written = write_site_file(sites_dir, name, data, create=True)
    _audit(store, "site.created", actor, name, fields=sorted(written.data),
           paused=bool(written.site and written.site.paused))
    return written


def change_site(store: HitStore, sites_dir: Path, actor: str, name: str,
                data: dict[str, Any], *, version: str | None = None) -> tuple[SiteFile, list[str]]:
    """Replace the site's definition with `data` (without `headers`: the file's are kept) and
    return it with the names of the fields whose values changed. Pausing has its own actions."""
    current = read_site_file(sites_dir, name)
    if str(data.get("name", name)) != name:
        raise SiteInvalid([FieldProblem("name", "rename", "a site keeps its name: add a new "
                                        "site and pause this one")])
    merged = {"name": name, **data}
    if "headers" not in merged and current.data.get("headers"):
        merged["headers"] = current.data["headers"]
    was_paused = bool(current.site and current.site.paused)
    if "paused" in merged and bool(merged["paused"]) != was_paused:
        raise SiteInvalid([FieldProblem("paused", "pause_action",
                                        "use the pause and resume actions")])
    merged["paused"] = was_paused
    changed = changed_fields(current.site, validate(merged))
    if not changed and current.site is not None:
        return current, []
    written = write_site_file(sites_dir, name, merged, create=False,
                              version=version or current.version)
    _audit(store, "site.changed", actor, name, fields=changed)
    return written, changed


def set_paused(store: HitStore, sites_dir: Path, actor: str, name: str,
               paused: bool) -> SiteFile:
    """Pause or resume the site (nothing is written or recorded when it already is)."""
    current = read_site_file(sites_dir, name)
    if current.site is None:
        raise SiteInvalid([FieldProblem("", "broken", current.problem or "does not load")])
    if current.site.paused == paused:
        return current
    written = write_site_file(sites_dir, name, {**current.data, "name": name, "paused": paused},
                              create=False, version=current.version)
    _audit(store, "site.paused" if paused else "site.resumed", actor, name)
    return written


def changed_fields(before: SiteDefinition | None, after: SiteDefinition) -> list[str]:
    """Names of the fields whose effective values differ (the values are not reported)."""
    new = after.model_dump(mode="json")
    if before is None:  # a broken file being repaired: everything is new
        return sorted(new)
    old = before.model_dump(mode="json")
    return sorted(k for k in new if old.get(k) != new[k])


def _view(store: HitStore, file: SiteFile) -> SiteView:
    paused = bool(file.site and file.site.paused)
    return SiteView(file, site_stats(store, file.name),
                    _pause_state(store, file.name) if paused else None)


def _pause_state(store: HitStore, name: str) -> PauseState:
    events = [e for e in store.audit_events(site_subject(name))
              if e.action in ("site.paused", "site.resumed", "site.created")]
    last = events[-1] if events else None
    if last is None or last.action == "site.resumed" or (
            last.action == "site.created" and not last.detail.get("paused")):
        return PauseState(None, None)  # paused in the file by hand
    return PauseState(last.at.isoformat(), last.actor)


def _audit(store: HitStore, action: str, actor: str, name: str, **detail: Any) -> None:
    store.record_audit(AuditEvent(action=action, actor=actor, subject=site_subject(name),
                                  detail=detail))
