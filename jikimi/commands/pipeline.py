"""Sub-command handlers for the CLI: each opens what it needs from settings and calls a stage."""

from __future__ import annotations

import argparse
import sys
from contextlib import closing

from jikimi import registry
from jikimi.cases import os_operator
from jikimi.commands import exits
from jikimi.commands.console import add_batch_target, adder, emit, print_rows, progress
from jikimi.commands.review import cli_actor
from jikimi.demo.run import run_demo
from jikimi.erasure import forget_person
from jikimi.export import write_export
from jikimi.export_publish import publish_export
from jikimi.flow import alert_stage, crawl_stage, enrich_stage, match_stage, run_once
from jikimi.listing import alert_rows, hit_rows
from kernel.errors import ConfigError
from kernel.records import AuditEvent
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = adder(sub)

    for name, handler, text in [
        ("crawl", cmd_crawl, "crawl a site (definition name/file) or one URL"),
        ("run", cmd_run, "crawl, enrich, match and alert once"),
    ]:
        p = add(name, handler, text)
        p.add_argument("site", nargs="?", help="site name in <data-dir>/sites or a YAML file")
        p.add_argument("--url", help="crawl from this start URL instead of a site definition")
        p.add_argument("--allow-private", action="store_true",
                       help="allow loopback/private crawl targets only; webhooks and evidence "
                            "fetches keep their own settings (tests, local demo)")
        p.add_argument("--even-if-paused", action="store_true",
                       help="crawl a paused site this once (it stays paused)")
        p.set_defaults(allow_private_section="crawl")

    add("enrich", cmd_enrich, "find faces and hashes in newly crawled media")
    add("match", cmd_match, "match new faces against enrolled people and send alerts")
    for name, handler, text in [
        ("alerts", cmd_alerts, "list alerts"), ("hits", cmd_hits, "list hits"),
        ("persons", cmd_persons, "list enrolled people (pseudonymous)"),
    ]:
        p = add(name, handler, text)
        p.add_argument("--json", action="store_true", help="print a JSON list")
        if name == "hits":
            p.add_argument("--order", choices=["time", "review"], default="time",
                           help="review: unreviewed first, then band, similarity, fake score")

    p = add("export", cmd_export, "write a takedown URL batch grouped by host")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    add_batch_target(p, required=True, out_help="write the batch to this file")

    p = add("forget", cmd_forget, "erase a person with their templates, hits and alerts")
    p.add_argument("person_id")

    p = add("demo", cmd_demo, "run the whole flow on a local fixture site")
    p.add_argument("--serve", action="store_true", help="keep the fixture site up afterwards")


def _require_site(args: argparse.Namespace) -> None:
    if not args.site and not args.url:
        raise ConfigError("give a SITE (name in <data-dir>/sites or a YAML file) or --url URL")


def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    _require_site(args)
    report = crawl_stage(args.site, args.url, settings, progress,
                         even_if_paused=args.even_if_paused)
    emit(report)
    return exits.for_crawl(report.pages, report.media_found, report.errors)


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        report = enrich_stage(settings, store, progress)
    emit(report)
    return exits.for_errors(report.errors)


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        report = match_stage(settings, store, progress)
        delivery = alert_stage(settings, store)
    emit({"faces": report.faces, "hits": report.hits, "new_hits": report.new_hits,
          "new_alerts": report.new_alerts, "for_review": report.to_review,
          "family_hits": report.family_hits, "alerts_sent": delivery.sent,
          "delivery_errors": delivery.errors})
    return exits.for_errors(delivery.errors)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    _require_site(args)
    summary = run_once(settings, site_ref=args.site, url=args.url, progress=progress,
                       even_if_paused=args.even_if_paused)
    emit(summary)
    return exits.for_crawl(summary.pages, summary.media_found, summary.errors)


def cmd_alerts(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        rows = alert_rows(store)
    print_rows(rows, args.json, ["created_at", "person_id", "similarity", "status", "page_url"])
    return 0


def cmd_hits(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        rows = hit_rows(store, settings, order=args.order)
    columns = ["created_at", "person_id", "similarity", "fake_score", "score_basis",
               "review_state", "media_url"]
    print_rows(rows, args.json, columns)
    return 0


def cmd_persons(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        rows = [{"person_id": p.person_id, "ref": p.ref, "created_at": p.created_at.isoformat(),
                 "email": bool(p.email), "webhook": bool(p.webhook)} for p in store.list_persons()]
    print_rows(rows, args.json, ["person_id", "ref", "created_at"])
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Every export is a read of confirmed hits' URLs: audited with the OS user."""
    with closing(registry.open_store(settings)) as store:
        if args.to:
            expires = args.expires or settings.s3.presigned_url_expiry
            published = publish_export(store, registry.open_blob_uri(args.to, settings),
                                       args.format, expires, settings.video.sample_fps)
            count = published.rows
            emit(published)
        else:
            count = write_export(store, args.format, args.out, settings.video.sample_fps)
            print(f"wrote {count} rows to {args.out}", file=sys.stderr)
        store.record_audit(AuditEvent(
            action="export.read", actor=cli_actor(), subject="export",
            detail={"format": args.format, "rows": count, "via": "blob" if args.to else "file"}))
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        emit(forget_person(store, settings, args.person_id, os_operator()))
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    return run_demo(settings, serve=args.serve)
