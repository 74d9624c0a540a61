"""Which sites get a scheduled crawl: the site definitions in `<data-dir>/sites`.

The Airflow DAG file calls :func:`scheduled_sites` when it is parsed, to make one DAG per site
with the site's own cron schedule. It only reads the small YAML files — no crawling, no store.
A broken site file must not take every other site's DAG down with it (one import error in a DAG
file drops all of that file's DAGs), so it is left out and reported instead. A paused site
keeps its DAG, so Airflow keeps its history, but is marked `paused`: its DAG gets no schedule,
and the crawl task skips a run that starts anyway (see `jikimi.schedule.tasks.crawl_site`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from crawlers.sites import SiteDefinition, load_site
from kernel.errors import ConfigError
from kernel.settings import Settings

log = logging.getLogger(__name__)
DAG_PREFIX = "jikimi_site_"


@dataclass(frozen=True)
class ScheduledSite:
    ref: str  # what the crawl task looks up: the file's stem in the sites folder
    name: str  # the site's name, recorded on every sighting
    schedule: str
    dag_id: str
    paused: bool = False  # no scheduled crawl until an operator resumes it

    @property
    def timetable(self) -> str | None:
        """What the DAG is scheduled by: the site's cron, or nothing while it is paused."""
        return None if self.paused else self.schedule


def scheduled_sites(settings: Settings) -> tuple[list[ScheduledSite], list[str]]:
    """The valid site definitions (sorted by file name) and one line per broken file."""
    folder = Path(settings.sites_dir)
    if not folder.is_dir():
        return [], []
    sites: list[ScheduledSite] = []
    problems: list[str] = []
    seen: set[str] = set()
    for path in sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"}):
        try:
            site: SiteDefinition = load_site(path)
        except ConfigError as exc:
            problems.append(str(exc))
            log.error("site left unscheduled: %s", exc)
            continue
        if site.name in seen:
            problems.append(f"site file {path}: another file already defines {site.name!r}")
            continue
        seen.add(site.name)
        sites.append(ScheduledSite(path.stem, site.name, site.schedule, f"{DAG_PREFIX}{site.name}",
                                   site.paused))
    return sites, problems
