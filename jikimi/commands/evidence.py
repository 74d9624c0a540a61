"""`jikimi evidence …`: preserve a hit's media and page, look at preserved evidence, legal holds.

Evidence access is audit-logged in the Store under the OS user running the command
(`cli:<user>`, as every other command records it; the portal's accounts replace it there), since
a free-text name could be anyone's. `--operator` is kept as an optional note in each event.
`preserve` fetches through the crawler's address guard, so `--allow-private` (or
`evidence.allow_private`) is needed for a local site; it lifts the guard for evidence fetches
only, never for the crawler or webhooks.
`bundle` seals a takedown batch's URLs into a WARC bundle; `verify` re-hashes one (a folder, or
`bundles/<batch_id>/<bundle_id>` in the locker) and exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
from contextlib import closing
from dataclasses import asdict
from pathlib import Path

from jikimi import registry
from jikimi.commands.console import Handler, command_group, emit
from jikimi.commands.review import cli_actor
from jikimi.evidence.bundle import build_bundle
from jikimi.evidence.bundle_verify import verify_bundle
from jikimi.evidence.preserve import preserve_hit
from jikimi.evidence.review import hold_capture, show_capture
from kernel.ports import Store
from kernel.settings import Settings
from search.evidence.audited import AuditedEvidence


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    action = command_group(sub, "evidence", "preserve and inspect evidence (audited)")

    def add(name: str, handler: Handler, text: str) -> argparse.ArgumentParser:
        p = action(name, handler, text)
        p.add_argument("--operator", metavar="NOTE",
                       help="a note for the audit log (e.g. who sits at a shared login); the "
                       "actor recorded is always cli:<OS user>")
        return p

    p = add("preserve", cmd_preserve, "fetch a hit's media and pages again and lock them away")
    p.add_argument("hit_id")
    p.add_argument("--allow-private", action="store_true",
                   help="allow loopback/private addresses for evidence fetches only (tests, "
                        "local demo)")
    p.set_defaults(allow_private_section="evidence")

    p = add("show", cmd_show, "print a capture record and verify its parts (audited read)")
    p.add_argument("key", help="capture record key, captures/<sha256>.json")
    p.add_argument("--out", type=Path, help="also write the media and page into this folder")

    p = add("hold", cmd_hold, "set or release the legal hold on a capture and its parts")
    p.add_argument("key", help="capture record key, captures/<sha256>.json")
    state = p.add_mutually_exclusive_group(required=True)
    state.add_argument("--on", dest="hold", action="store_true")
    state.add_argument("--off", dest="hold", action="store_false")

    p = add("bundle", cmd_bundle, "fetch every URL of a takedown batch into a WARC bundle")
    p.add_argument("batch_id")
    p.add_argument("--allow-private", action="store_true",
                   help="allow loopback/private addresses for evidence fetches only (tests, "
                        "local demo)")
    p.set_defaults(allow_private_section="evidence")
    p.add_argument("--out", type=Path, help="also write the WARC, log and manifest here")

    p = add("verify", cmd_verify, "re-hash a bundle; exit 1 when anything differs")
    p.add_argument("bundle", help="a folder holding the bundle's files (when it is one), else "
                   "its locker prefix bundles/<batch_id>/<bundle_id>")


def _audited(store: Store, settings: Settings, args: argparse.Namespace) -> AuditedEvidence:
    return AuditedEvidence(registry.open_evidence(settings), store, cli_actor(), args.operator)


def cmd_preserve(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        evidence = _audited(store, settings, args)
        report = preserve_hit(store, evidence, settings, args.hit_id)
    emit(report)
    return 0 if report.ok else 1


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        evidence = _audited(store, settings, args)
        shown = show_capture(evidence, args.key, args.out)
    emit(shown)
    return 0 if all(check["sha256_ok"] for check in shown["verified"]) else 1


def cmd_hold(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        evidence = _audited(store, settings, args)
        keys = hold_capture(evidence, args.key, args.hold)
    emit({"legal_hold": args.hold, "keys": keys})
    return 0


def cmd_bundle(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        evidence = _audited(store, settings, args)
        report = build_bundle(store, evidence, settings, args.batch_id,
                              allow_private=settings.evidence.allow_private,
                              out_dir=args.out)
    emit(asdict(report) | {"ok": report.ok, "citations": {
        item_id: report.citation(item_id) for item_id in report.items}})
    return 0 if report.ok else 1


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    source: Path | str = Path(args.bundle) if Path(args.bundle).is_dir() else args.bundle
    with closing(registry.open_store(settings)) as store:
        evidence = _audited(store, settings, args)
        report = verify_bundle(source, evidence)
    emit(report)
    return 0 if report.ok else 1
