"""Kill -9 the pipeline at a named point, rerun it, and compare the store with a clean run's.

The pipeline runs as the CLI does in production (`jikimi run SITE`, then `jikimi housekeeping`),
each command a subprocess. With `JIKIMI_CHAOS_POINT` set (kernel/chaos.py) the process that
reaches the point SIGKILLs itself; the sequence stops there, runs again from the start without
chaos, and must end exactly where an uninterrupted run ends: the same media, faces, hits and
alerts, every alert sent once, one outbox file per alert, no raw bytes left behind.

Review policy "strong_direct" so that the run itself records and delivers alerts (the demo site
gives 3). Each point has a pass number (`NAME@N`) so kills land mid-stage, not only at its start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jikimi import registry
from kernel.records import INCOMING_PREFIX
from kernel.settings import Settings

_ENVIRON_LOCK = threading.Lock()
ROOT = Path(__file__).resolve().parents[1]
DAY = datetime.now(UTC).date().isoformat()  # an older batch would expire at once (retention)
# Every name is a chaos.point() call in the application; @N: the N-th time it is reached.
POINTS: tuple[str, ...] = (
    "crawl.spawn", "crawl.child", "crawl.blob_put@2", "crawl.media_stored@3",
    "crawl.sighting@4", "crawl.fetch_recorded@5", "crawl.reported",
    "enrich.start", "enrich.analyzed@3", "enrich.saved@4", "enrich.blob_deleted@6",
    "match.hit_saved@2", "match.alert_recorded@2", "match.decided", "match.marked",
    "match.reuploads",
    "alert.start", "alert.sent@2", "alert.delivery_recorded@2", "alert.settled@1",
    "outbox.temp_written@3",  # found: the temporary copy (the alert's text) stayed for good
    "housekeeping.erasure", "export.rendered", "export.written",
    "housekeeping.strangers", "housekeeping.retention",
)


@dataclass
class Deployment:
    """One data folder (and, for Elasticsearch, one cluster) holding the enrolled person."""

    data: Path
    env: dict[str, str]  # JIKIMI_* variables that select the store

    def settings(self) -> Settings:
        """Settings as the CLI subprocesses see them. Points run in threads, so this changes only
        this deployment's own variables, under a lock, and never clears the environment (a
        cleared one, seen by another thread, lost the test-wide variables: flaky in CI)."""
        with _ENVIRON_LOCK:
            saved = {name: os.environ.get(name) for name in self.env}
            os.environ.update(self.env)
            try:
                return Settings(data_dir=self.data)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value


def cli(deployment: Deployment, *args: str, chaos: str | None = None,
        mark: Path | None = None) -> subprocess.CompletedProcess[str]:
    with _ENVIRON_LOCK:  # not while another thread's `settings()` has its variables set
        env = dict(os.environ, PYTHONPATH=str(ROOT), JIKIMI_REVIEW__POLICY="strong_direct",
                   **deployment.env)
    env.pop("JIKIMI_CHAOS_POINT", None)
    if chaos:
        env |= {"JIKIMI_CHAOS_POINT": chaos, "JIKIMI_CHAOS_MARK": str(mark)}
    return subprocess.run([sys.executable, "-m", "jikimi.cli", "--data-dir",
                           str(deployment.data), *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def sequence(site_file: Path) -> list[tuple[str, ...]]:
    return [("run", str(site_file), "--allow-private"), ("housekeeping", "--day", DAY)]


def run_clean(deployment: Deployment, site_file: Path) -> None:
    for command in sequence(site_file):
        done = cli(deployment, *command)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-4000:])


def kill_then_rerun(deployment: Deployment, site_file: Path, point: str, mark: Path) -> int:
    """Run the sequence with the chaos point set until it kills; return the killed command's
    exit code; then rerun the whole sequence cleanly."""
    killed_rc = 0
    for command in sequence(site_file):
        done = cli(deployment, *command, chaos=point, mark=mark)
        if mark.exists():
            killed_rc = done.returncode
            break
        assert done.returncode == 0, (command, done.stderr[-4000:])
    assert mark.exists(), f"chaos point {point} was never reached"
    run_clean(deployment, site_file)
    return killed_rc


def snapshot(deployment: Deployment) -> dict[str, Any]:
    """What must not depend on where the pipeline was killed."""
    settings = deployment.settings()
    blobs = registry.open_blobs(settings)
    with closing(registry.open_store(settings)) as store:
        media = sorted((m.media_id, m.status, m.face_count) for m in store.list_media())
        faces = sorted(f.face_id for model in store.template_models()
                       for f in store.faces(model))
        unmatched = [f.face_id for model in store.template_models()
                     for f in store.faces(model, unmatched_only=True)]
        hits = sorted((h.person_id, h.face_id) for h in store.hits())
        alerts = store.alerts()
    pairs = sorted((a.person_id, a.media_id) for a in alerts)
    outbox = sorted(p.name for p in (settings.data_dir / "outbox").glob("*.json"))
    stray = sorted(p.name for p in (settings.data_dir / "outbox").glob(".*.tmp"))
    exports = sorted(k for k in blobs.keys(settings.scheduler.export_prefix))
    return {
        "media": media, "faces": faces, "unmatched_faces": unmatched, "hits": hits,
        "alert_pairs": pairs, "alert_pairs_unique": len(set(pairs)) == len(pairs),
        "alert_states": sorted((a.status, tuple(a.delivered_channels)) for a in alerts),
        "outbox_files": len(outbox),
        "outbox_matches_alerts": outbox == sorted(f"{a.alert_id}.json" for a in alerts),
        "outbox_temp_files": len(stray),  # half-written copies of an alert (its text)
        "incoming_left": sorted(blobs.keys(INCOMING_PREFIX)),
        "exports": exports,
        "export_rows": [len(json.loads(blobs.get(k))["hosts"]) if k.endswith(".json") else None
                        for k in exports],
    }


@dataclass
class Outcome:
    killed_rc: int
    state: dict[str, Any]


def run_points(template: Path, site: Path, points: list[str], work: Path,
               env_for: Callable[[str], dict[str, str]]) -> dict[str, Future[Outcome]]:
    """Kill-and-rerun every point on its own copy of `template`, a few at a time (the
    subprocesses spend much of their time starting up and waiting, so threads overlap them)."""
    pool = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))

    def one(point: str) -> Outcome:
        folder = work / point.replace("@", "-")
        deployment = copy_deployment(template, folder / "data", env_for(point))
        killed_rc = kill_then_rerun(deployment, site, point, folder / "killed-at")
        return Outcome(killed_rc, snapshot(deployment))

    futures = {point: pool.submit(one, point) for point in points}
    pool.shutdown(wait=False)
    return futures


def selected_points(session_items: list[Any], module: Any) -> list[str]:
    """The chaos points of `module`'s tests that this pytest session will run (so that `-k`
    runs only those)."""
    return [item.callspec.params["point"] for item in session_items
            if item.module is module and hasattr(item, "callspec")
            and "point" in item.callspec.params]


def copy_deployment(template: Path, target: Path, env: dict[str, str]) -> Deployment:
    shutil.copytree(template, target)
    return Deployment(target, env)


def site_file(folder: Path, base_url: str) -> Path:
    """The demo site as a site definition without a politeness delay (it is a local server)."""
    path = folder / "demo-site.yaml"
    path.write_text(f"name: demo\nstart_urls: ['{base_url}/index.html']\ndelay: 0\n"
                    "concurrency: 8\n", encoding="utf-8")
    return path
