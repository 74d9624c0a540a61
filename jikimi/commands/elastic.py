"""`jikimi es …`: create and migrate the Elasticsearch indices, and show what the cluster holds.

The store never creates indices itself (a write that auto-creates one gets a dynamic mapping and,
on some servers, unbounded memory), so `jikimi es migrate` is the one place that does: run it
once before the first `jikimi run` with `store.backend = "elasticsearch"`, and after upgrading
jikimi. It is idempotent.
"""

from __future__ import annotations

import argparse

from jikimi import registry
from jikimi.commands.console import command_group, emit, progress
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = command_group(sub, "es", "Elasticsearch indices: migrate, status",
                        "Elasticsearch indices (settings: elasticsearch.*)")

    p = add("migrate", cmd_migrate,
            "create missing indices and aliases; move aliases to new schema versions")
    p.add_argument("--keep-old", action="store_true",
                   help="keep (read-only) the index an alias moved away from")
    add("status", cmd_status, "aliases, their indices and schema versions, document counts")


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    emit(registry.open_index_admin(settings).migrate(keep_old=args.keep_old, progress=progress))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    rows = registry.open_index_admin(settings).status()
    emit(rows)
    return 0 if all(row["current"] for row in rows) else 1
