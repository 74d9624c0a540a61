"""`jikimi kibana export`: write the operators' Kibana saved objects as importable NDJSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jikimi.cli import Handler
from jikimi.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kibana = sub.add_parser("kibana", help="Kibana saved objects for NGO operators")
    actions = kibana.add_subparsers(dest="kibana_command", required=True, metavar="ACTION")
    p = actions.add_parser("export", help="write data views, saved searches and the dashboard")
    p.add_argument("--out", type=Path, default=Path("jikimi-saved-objects.ndjson"))
    p.add_argument("--review-url", default=None,
                   help="base URL of jikimi's review page (media links open there, blurred)")
    handler: Handler = cmd_kibana_export
    p.set_defaults(handler=handler)


def cmd_kibana_export(args: argparse.Namespace, settings: Settings) -> int:
    from search.elastic.kibana import DEFAULT_REVIEW_URL
    from search.elastic.kibana_objects import write_saved_objects

    count = write_saved_objects(args.out, settings.elasticsearch.index_prefix,
                                args.review_url or DEFAULT_REVIEW_URL)
    print(f"wrote {count} saved objects to {args.out}; import with POST "
          "/api/saved_objects/_import?overwrite=true (header kbn-xsrf: true)", file=sys.stderr)
    return 0
