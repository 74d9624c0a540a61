"""`jikimi es …`: create and migrate the Elasticsearch indices, and show what the cluster holds.

The store never creates indices itself (a write that auto-creates one gets a dynamic mapping and,
on some servers, unbounded memory), so `jikimi es migrate` is the one place that does: run it
once before the first `jikimi run` with `store.backend = "elasticsearch"`, and after upgrading
jikimi. It is idempotent.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from jikimi.cli import Handler, emit, progress
from jikimi.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    es = sub.add_parser("es", help="Elasticsearch indices: migrate, status",
                        description="Elasticsearch indices (settings: elasticsearch.*)")
    es_sub = es.add_subparsers(dest="es_command", required=True, metavar="ACTION")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = es_sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("migrate", cmd_migrate,
            "create missing indices and aliases; move aliases to new schema versions")
    p.add_argument("--keep-old", action="store_true",
                   help="keep (read-only) the index an alias moved away from")
    add("status", cmd_status, "aliases, their indices and schema versions, document counts")


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from search.elastic.bulk import BulkPolicy
    from search.elastic.client import open_client
    from search.elastic.migrate import migrate

    es = settings.elasticsearch
    client = open_client(es)
    try:
        steps = migrate(client, es.index_prefix, keep_old=args.keep_old,
                        policy=BulkPolicy.of(es), progress=progress)
    finally:
        client.close()
    emit([asdict(step) for step in steps])
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from search.elastic.client import open_client
    from search.elastic.errors import store_errors
    from search.elastic.migrate import alias_holders
    from search.elastic.schema import load_specs

    es = settings.elasticsearch
    client = open_client(es)
    rows = []
    try:
        for spec in load_specs().values():
            alias = spec.alias(es.index_prefix)
            holders = alias_holders(client, alias)
            count = None
            if holders:
                with store_errors(f"counting {alias}"):
                    count = int(client.count(index=alias)["count"])
            rows.append({"alias": alias, "indices": holders, "expected": spec.index(
                es.index_prefix), "current": holders == [spec.index(es.index_prefix)],
                "documents": count})
    finally:
        client.close()
    emit(rows)
    return 0 if all(row["current"] for row in rows) else 1
