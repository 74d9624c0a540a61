"""`jikimi takedown …`: takedown teams' batches from the server's shell.

`batch` makes a batch of confirmed URLs no notice went out for (filters as in the portal) and
looks up each host's recipients, `notices` writes (and with --send sends) its letters and
referral files, `list` shows the batches, `show` writes one as CSV/JSON (to stdout, a file, or a
blob store with a presigned link), `mark` records what happened to one URL and when, `recheck`
fetches every sent URL again and escalates the unanswered ones (what the nightly housekeeping
runs), `status` shows where each URL stands and `report` how takedowns stand per host and per
site. The actor in the audit log is the OS user (`cli:<user>`), as for review decisions.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from contextlib import closing
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jikimi import registry
from jikimi.commands.console import Handler, add_batch_target, emit, print_rows
from jikimi.commands.review import cli_actor
from jikimi.export_publish import publish_bytes
from jikimi.takedown import (
    ReportRow,
    batch_export,
    build_batch,
    list_batches,
    mark,
    takedown_report,
)
from jikimi.takedown.followup import STATUS_FIELDS, follow_up, status_rows
from jikimi.takedown.lookup import attach_recipients, batch_summary
from jikimi.takedown.paperwork import prepare, send
from kernel.settings import Settings
from kernel.takedown import ESCALATION
from search.evidence.audited import AuditedEvidence


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    takedown = sub.add_parser("takedown", help="takedown batches of confirmed hits",
                              description="build, list, download and follow takedown batches")
    actions = takedown.add_subparsers(dest="takedown_command", required=True, metavar="ACTION")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = actions.add_parser("batch", aliases=["build"], help=BATCH_HELP, description=BATCH_HELP)
    p.set_defaults(handler=cmd_build)
    p.add_argument("--host", default="", help="only media on this host")
    p.add_argument("--site", default="", help="only this crawl site (name or page host)")
    p.add_argument("--case", default="", help="only this case (pseudonymous person ref)")
    p.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="only hits confirmed on or after this day (UTC)")
    p.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="only hits confirmed on or before this day (UTC)")
    p.add_argument("--legal-basis", metavar="KEY",
                   help="the legal basis its notices cite (default: takedown.legal_basis)")
    p.add_argument("--no-lookup", action="store_true",
                   help="do not look up recipients now (RDAP); `notices` needs them")
    p.add_argument("--json", action="store_true",
                   help="print the batch as JSON, with each host's recipients")
    p = add("notices", cmd_notices,
            "write a batch's notices per recipient, referral, Lumen and hash files; --send")
    p.add_argument("batch")
    p.add_argument("--out", type=Path, required=True, help="the folder to write them into")
    p.add_argument("--step", choices=ESCALATION, default="hosting",
                   help="whom to write to: the host (default), its registrar, the regulator")
    p.add_argument("--legal-basis", metavar="KEY", help="override the batch's legal basis")
    p.add_argument("--lang", metavar="LANGS", help="languages, e.g. ko,en (default: settings)")
    p.add_argument("--send", action="store_true",
                   help="also send them through the configured SMTP server (audited)")
    p = add("list", cmd_list, "the batches, newest first")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = add("show", cmd_show, "a batch as CSV or JSON with each URL's status")
    p.add_argument("batch")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    add_batch_target(p, required=False, out_help="write to this file (default: stdout)")
    p = add("mark", cmd_mark, "record what happened to one URL of a batch")
    p.add_argument("batch")
    p.add_argument("url", help="a media URL, a page URL (all its items) or an item id")
    status = p.add_mutually_exclusive_group(required=True)
    for flag, text in [("--sent", "a notice went to the host"),
                       ("--acknowledged", "the recipient answered it is dealing with it"),
                       ("--removed", "the URL no longer serves it"),
                       ("--refused", "the host declined")]:
        status.add_argument(flag, dest="status", action="store_const", const=flag[2:],
                            help=text)
    p.add_argument("--on", type=_moment, metavar="DATE",
                   help="when it happened: YYYY-MM-DD or an ISO time (default: now)")
    p.add_argument("--note", help="a short note (kept in jikimi, not in downloads)")
    p = add("recheck", cmd_recheck, "fetch every sent URL again, then escalate unanswered ones")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p = add("status", cmd_status, "where each URL stands: marks, recipient, step, last check")
    p.add_argument("--batch", default="", help="only this batch")
    p.add_argument("--host", default="", help="only URLs on this host")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = add("report", cmd_report, "how takedowns stand per host and per site")
    p.add_argument("--json", action="store_true",
                   help="print JSON: by_host, by_site and totals")


BATCH_HELP = "a new batch of confirmed URLs not sent yet, with each host's recipients"


def _moment(text: str) -> datetime | date:
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        batch = build_batch(store, settings, cli_actor(), host=args.host, site=args.site,
                            case=args.case, since=args.since, until=args.until,
                            legal_basis=args.legal_basis)
        if not args.no_lookup:
            batch = attach_recipients(store, settings, batch.batch_id, cli_actor())
        hosts = Counter(item.host for item in store.takedown_items(batch.batch_id))
    summary = batch_summary(batch, hosts)
    if args.json:
        emit(summary)
    else:
        print(f"{batch.batch_id}  {batch.item_count} items  legal basis {batch.legal_basis}")
        for host in summary["hosts"]:
            print(f"  {host['host']}  {host['items']} URLs" +
                  (f"  behind {host['front']}" if host["front"] else ""))
            for contact in host["recipients"]:
                print(f"    {contact['role']:<10} {contact['email']}  {contact['organisation']}")
            for problem in host["problems"]:
                print(f"    ! {problem}")
    return 0


def cmd_notices(args: argparse.Namespace, settings: Settings) -> int:
    languages = [x.strip() for x in args.lang.split(",") if x.strip()] if args.lang else None
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, cli_actor())
        papers = prepare(store, settings, args.batch, cli_actor(), args.out,
                         evidence=evidence, step=args.step, legal_basis=args.legal_basis,
                         languages=languages)
        if args.send:
            send(store, settings, papers, cli_actor())
    emit(papers.summary())
    print(f"notices of {args.batch} in {args.out / 'notices'}", file=sys.stderr)
    return 1 if any(not s.ok for s in papers.sent) else 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        rows = [asdict(b) for b in list_batches(store, cli_actor())]
    print_rows(rows, args.json, ["batch_id", "created_at", "item_count", "filters"])
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    via = f"blob:{urlparse(args.to).scheme or 'file'}" if args.to else \
        "file" if args.out else "stdout"
    with closing(registry.open_store(settings)) as store:
        count, data = batch_export(store, args.batch, args.format, cli_actor(),
                                   sample_fps=settings.video.sample_fps, via=via)
    if args.to:
        expires = args.expires or settings.s3.presigned_url_expiry
        emit(publish_bytes(registry.open_blob_uri(args.to, settings), data, args.format, count,
                           expires, stem=f"jikimi-{args.batch}"))
    elif args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
        print(f"wrote {count} rows to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(data.decode("utf-8"))
    return 0


def cmd_mark(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        marked = mark(store, args.batch, args.url, args.status, cli_actor(), when=args.on,
                      note=args.note)
    emit([{"item_id": i.item_id, "media_url": i.media_url, "page_url": i.page_url,
           "status": i.status, "sent_at": i.sent_at, "removed_at": i.removed_at,
           "refused_at": i.refused_at} for i in marked])
    return 0


def cmd_recheck(args: argparse.Namespace, settings: Settings) -> int:
    """Errors of single URLs are in the report; the exit status is 0 unless the run failed."""
    with closing(registry.open_store(settings)) as store:
        done = follow_up(store, settings, cli_actor())
    if args.json:
        emit(done)
        return 0
    for name, count in done.summary().items():
        print(f"{name:16} {count}")
    for line in done.recheck.errors:
        print(f"error  {line}", file=sys.stderr)
    for notice in done.escalations:
        to = ", ".join(notice.to) or "(no address found)"
        step = notice.step or notice.note
        print(f"next   {notice.batch_id}  {notice.host}  {step}  {len(notice.item_ids)} items"
              f"  to {to if notice.step else '-'}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        rows = status_rows(store, cli_actor(), batch=args.batch, host=args.host)
    if args.json or not rows:
        print_rows(rows, args.json, [f for f in STATUS_FIELDS if f not in ("item_id", "note")])
        return 0
    for row in rows:
        print("\n".join(status_block(row)))
    return 0


# A URL's dates and facts for a person at a terminal, in the order they happen: (label, field).
STATUS_FACTS = [("sent", "sent_at"), ("to", "sent_to"), ("step", "escalation"),
                ("acknowledged", "acknowledged_at"), ("removed", "removed_at"),
                ("refused", "refused_at"), ("checked", "checked_at"), ("found", "check_result")]


def status_block(row: dict[str, Any]) -> list[str]:
    """One URL as a few lines: batch, host and status; the media and page URLs; then only the
    facts that exist (times to the minute), and whether it is a re-upload of confirmed media."""
    origin = f"  re-upload of {str(row['family_of'])[:12]}" if row.get("origin") == "family" else ""
    facts = [f"{label} {_when(row[field])}" for label, field in STATUS_FACTS
             if row.get(field) not in (None, "")]
    if row.get("sent_at") is None:
        facts.insert(0, "not sent yet")
    return [f"{row['batch_id']}  {row['host']}  {str(row['status']).upper()}{origin}",
            f"  media  {row['media_url']}", f"  page   {row['page_url']}",
            f"  {' · '.join(facts)}", ""]


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


# The report's columns for a terminal: (heading, field).
REPORT_COLUMNS = [("items", "items"), ("sent", "sent"), ("ack", "acknowledged"),
                  ("removed", "removed"), ("refused", "refused"), ("up", "still_up"),
                  ("reup", "reuploads"), ("median_h", "median_hours_to_removal"),
                  ("refusal", "refusal_rate"), ("oldest_h", "oldest_unanswered_hours")]


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        report = takedown_report(store, cli_actor())
    if args.json:
        emit(report)
        return 0
    for title, rows in (("host", report.by_host), ("site", report.by_site)):
        print_table(title, [*rows, replace(report.totals, name="(all)")])
        print()
    return 0


def print_table(title: str, rows: list[ReportRow]) -> None:
    """Rows under a heading line, each column as wide as its widest cell, numbers right-aligned
    (hours with one decimal, the refusal rate in percent, "-" where there is nothing to
    measure)."""
    cells = [[title, *(head for head, _ in REPORT_COLUMNS)]]
    for row in rows:
        cells.append([row.name, *(_cell(field, getattr(row, field))
                                  for _, field in REPORT_COLUMNS)])
    widths = [max(len(line[n]) for line in cells) for n in range(len(cells[0]))]
    for line in cells:
        print("  ".join([line[0].ljust(widths[0]),
                         *(c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True))]))


def _cell(field: str, value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0%}" if field == "refusal_rate" else f"{value:.1f}"
    return str(value)
