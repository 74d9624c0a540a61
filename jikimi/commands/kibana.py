"""`jikimi kibana export`: write the operators' Kibana saved objects as importable NDJSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jikimi import registry
from jikimi.commands.console import Handler
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kibana = sub.add_parser("kibana", help="Kibana saved objects for NGO operators")
    actions = kibana.add_subparsers(dest="kibana_command", required=True, metavar="ACTION")
    p = actions.add_parser("export", help="write data views, saved searches and the dashboard")
    p.add_argument("--out", type=Path, default=Path("jikimi-saved-objects.ndjson"))
    p.add_argument("--review-url", default=None,
                   help="base URL of the jikimi portal (default portal.base_url); media links open "
                        "its review page, blurred")
    handler: Handler = cmd_kibana_export
    p.set_defaults(handler=handler)


def cmd_kibana_export(args: argparse.Namespace, settings: Settings) -> int:
    review_url = args.review_url or settings.portal.base_url  # the portal's review pages
    count = registry.open_index_admin(settings).write_dashboards(args.out, review_url)
    print(f"wrote {count} saved objects to {args.out}; import with POST "
          "/api/saved_objects/_import?overwrite=true (header kbn-xsrf: true)", file=sys.stderr)
    return 0
