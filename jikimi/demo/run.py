"""`jikimi demo`: build and serve the fixture site, enroll one person from one photo, run the flow.

The demo uses its own folder (`<data-dir>/demo`, reset on every run) so it never mixes with real
data, allows loopback explicitly (the fixture site is on 127.0.0.1), and checks its own result:
exactly the pages that show the demo person must produce alerts. Exit status 0 means they did.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from jikimi import registry
from jikimi.alerts import alert_time_ranges
from jikimi.commands.console import progress
from jikimi.demo.rdap import DEMO_REGULATOR, serve_rdap
from jikimi.demo.review import DEMO_OPERATOR, ReviewStep, review_through_portal
from jikimi.demo.site import (
    CLIP_PERSON_RANGE,
    ENROLL_PHOTO,
    PAGES_WITH_PERSON,
    build_site,
    photo_bytes,
)
from jikimi.demo.site import serve as serve_site
from jikimi.enrollment import enroll
from jikimi.evidence.bundle import build_bundle
from jikimi.flow import RunSummary, run_once
from jikimi.portal.local import served_locally
from jikimi.takedown import build_batch
from jikimi.takedown.lookup import attach_recipients, batch_summary
from jikimi.takedown.paperwork import prepare
from kernel.settings import Settings
from kernel.timeranges import format_ranges
from search.evidence.audited import AuditedEvidence

DEMO_TEAM = "cli:demo-takedown"


def _say(line: str) -> None:
    print(line, flush=True)


def run_demo(settings: Settings, *, serve: bool = False) -> int:
    started = time.monotonic()
    demo_dir = settings.data_dir / "demo"
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    demo = settings.model_copy(update={"data_dir": demo_dir})
    # The fixture site is on 127.0.0.1: crawl targets and evidence fetches (bundle) allowed there
    # for the demo only, each by its own setting.
    demo.crawl = demo.crawl.model_copy(update={"allow_private": True})
    demo.evidence = demo.evidence.model_copy(update={"allow_private": True})
    # Reviewers' previews come from the fixture site on 127.0.0.1: allowed for the demo only.
    demo.portal = demo.portal.model_copy(update={"allow_private_media": True})
    demo.store = demo.store.model_copy(update={"sqlite_path": None})
    # The demo's data is thrown away on the next run: its generated key may live beside it.
    demo.security = demo.security.model_copy(update={"allow_key_in_data_dir": True})
    demo.blobs = demo.blobs.model_copy(update={"uri": None})
    # Fixed model files are reused across demo runs: keep them outside the folder reset above.
    demo.faces = demo.faces.model_copy(update={"cache_dir": settings.model_cache_dir})
    site_root = demo_dir / "site"
    build_site(site_root)
    server = serve_site(site_root)
    _say(f"jikimi demo — fixture site at {server.base_url}/index.html (data in {demo_dir})")
    try:
        person_id = _enroll(demo)
        _say(f"enrolled demo person {person_id} from 1 photo ({ENROLL_PHOTO}); photo not kept")
        _write_site_definition(demo, server.base_url)
        summary = run_once(demo, site_ref="fixture", progress=progress)
        with served_locally(demo, demo_dir) as (portal_url, cert):
            step = review_through_portal(demo, person_id, portal_url, cert)
            reviewed_ok = _said_review(step)
            summary.alerts_sent += step.sent
            ok = _report(demo, summary, person_id, time.monotonic() - started) and reviewed_ok
            ok = _takedown(demo, demo_dir) and ok
            _show_portal(portal_url, step)
            if serve:
                _say("serving the fixture site and the portal until Ctrl-C …")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
    finally:
        server.stop()
    return 0 if ok else 1


def _takedown(settings: Settings, demo_dir: Path) -> bool:
    """The takedown team's first step: a batch of the confirmed URLs, each host's recipients
    (from the demo's own RDAP service), an evidence bundle (WARC) of the batch, and the
    notices citing it, written as files, not sent."""
    rdap = serve_rdap(demo_dir / "rdap")
    settings.takedown = settings.takedown.model_copy(update={
        "rdap_bootstrap_url": f"{rdap.base_url}/bootstrap/", "rdap_allow_private": True,
        "rdap_cache_dir": demo_dir / "rdap-cache", "regulator_email": DEMO_REGULATOR})
    try:
        with closing(registry.open_store(settings)) as store:
            batch = build_batch(store, settings, DEMO_TEAM)
            batch = attach_recipients(store, settings, batch.batch_id, DEMO_TEAM)
            hosts = Counter(item.host for item in store.takedown_items(batch.batch_id))
            evidence = AuditedEvidence(registry.open_evidence(settings), store, DEMO_TEAM)
            bundle = build_bundle(store, evidence, settings, batch.batch_id)
            papers = prepare(store, settings, batch.batch_id, DEMO_TEAM,
                             demo_dir / "takedown" / batch.batch_id, evidence=evidence)
    finally:
        rdap.stop()
    summary = batch_summary(batch, hosts)
    _say("")
    _say(f"takedown batch  {batch.batch_id}: {batch.item_count} URLs, legal basis "
         f"{batch.legal_basis}")
    for host in summary["hosts"]:
        _say(f"  {host['host']}  {host['items']} URLs")
        for contact in host["recipients"]:
            _say(f"    {contact['role']:<10} {contact['email']}  {contact['organisation']}")
        for problem in host["problems"]:
            _say(f"    ! {problem}")
    _say(f"evidence        {bundle.captured}/{bundle.urls} URLs captured in {bundle.prefix} "
         f"(WARC, log, SHA-256 manifest; `jikimi evidence verify` re-hashes it)")
    count = len(papers.plan.notices)
    _say(f"notices         {count} letter{'' if count == 1 else 's'} (ko, en, .eml) in "
         f"{papers.out_dir / 'notices'}; referral, Lumen and hash files beside them")
    return all(h["recipients"] for h in summary["hosts"]) and bool(papers.plan.notices) \
        and bundle.ok


def _write_site_definition(settings: Settings, base_url: str) -> None:
    """The fixture site as a site definition; no politeness delay is needed for our own server."""
    settings.sites_dir.mkdir(parents=True, exist_ok=True)
    (settings.sites_dir / "fixture.yaml").write_text(
        "name: fixture\n"
        f"start_urls: ['{base_url}/index.html']\n"
        "max_depth: 3\nmax_pages: 50\ndelay: 0\nconcurrency: 4\n",
        encoding="utf-8",
    )


def _enroll(settings: Settings) -> str:

    with tempfile.TemporaryDirectory() as tmp:  # the photo exists only for this call
        photo = Path(tmp) / ENROLL_PHOTO
        photo.write_bytes(photo_bytes(ENROLL_PHOTO))
        engine = registry.open_face_engine(settings)
        with closing(registry.open_store(settings)) as store:
            result = enroll(store, engine, settings, name="Demo Person", photos=[photo])
    return result.person_id


def _said_review(step: ReviewStep) -> bool:
    """Nobody was alerted before review, and the queue held exactly the person's pages."""
    _say(f"review queue    {step.confirmed} hits on {', '.join(step.queued_pages) or 'no page'}; "
         f"alerts before review: {step.alerts_before}")
    _say(f"{DEMO_OPERATOR} confirmed {step.confirmed} hits through the portal")
    expected = sorted(PAGES_WITH_PERSON)
    if step.alerts_before or step.queued_pages != expected:
        _say(f"MISMATCH: before review {step.alerts_before} alerts (expected none) and the "
             f"queue held {step.queued_pages}, expected {expected}")
        return False
    return True


def _show_portal(url: str, step: ReviewStep) -> None:
    _say("")
    _say(f"portal          {url}/  (self-signed certificate: your browser will ask to accept it)")
    for account in step.accounts:
        _say(f"  sign in as    {account.username} / {account.password}  ({account.role})")


def _report(settings: Settings, summary: RunSummary, person_id: str, seconds: float) -> bool:
    with closing(registry.open_store(settings)) as store:
        alerts = store.alerts(person_id=person_id)
        pages = sorted({urlsplit(s.page_url).path.lstrip("/")
                        for a in alerts for s in store.sightings(a.media_id)})
        details = [(a, store.get_media(a.media_id), alert_time_ranges(store, a, settings))
                   for a in alerts]
    expected = sorted(PAGES_WITH_PERSON)
    _say("")
    _say(f"pages crawled   {summary.pages}")
    _say(f"media found     {summary.media_found} ({summary.media_new} new)")
    _say(f"faces           {summary.faces}")
    _say(f"hits            {summary.hits} (awaiting review after the run: {summary.for_review})")
    _say(f"alerts          {len(alerts)} (delivered: {summary.alerts_sent}, outbox: "
         f"{settings.outbox_dir})")
    video_ranges: list[tuple[float, float]] = []
    for alert, media, ranges in details:
        where = f"  at {format_ranges(ranges)}" if ranges else ""
        video_ranges += ranges
        score = "—" if media is None or media.fake_score is None else f"{media.fake_score:.2f}"
        basis = media.score_basis if media else "none"
        _say(f"  alert  similarity {alert.similarity:.3f}  fake score {score} ({basis})  "
             f"{alert.page_url}{where}")
    _say(f"(alerts were sent after {DEMO_OPERATOR} confirmed the hits: review first)")
    if summary.errors:
        _say(f"item errors     {len(summary.errors)}")
        for err in summary.errors[:10]:
            _say(f"  {err}")
    _say(f"time            {seconds:.1f} s")
    ok = pages == expected and video_ranges == [CLIP_PERSON_RANGE]
    _say("")
    if ok:
        _say(f"OK: nobody was alerted before review; once confirmed, exactly the pages showing "
             f"the demo person alerted: {', '.join(pages)}; "
             f"the video alert names {format_ranges([CLIP_PERSON_RANGE])}")
    else:
        _say(f"MISMATCH: alerted pages {pages}, expected {expected}; video time ranges "
             f"{video_ranges}, expected {[CLIP_PERSON_RANGE]}")
    return ok
