"""`jikimi sites list|check`: the site files with their recent crawls, and one page fetched as a
crawl would fetch it, with what the crawl would take from it (`jikimi.sites`)."""

from __future__ import annotations

import argparse
from contextlib import closing

from jikimi import registry
from jikimi.commands import exits
from jikimi.commands.console import command_group, emit
from jikimi.sites import SiteCheck, SiteSummary, check_site, list_sites
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = command_group(sub, "sites", "list site definitions with their recent crawls; check one")
    p = add("list", cmd_list, "every site file: schedule, paused, the last crawl, new media/day")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = add("check", cmd_check, "fetch a site's first start page as its crawl would (with its "
            "auth) and show what the crawl would take; stores nothing")
    p.add_argument("site", help="site name in <data-dir>/sites or a YAML file")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--show", type=int, default=20, metavar="N",
                   help="list the first N media URLs and links (default 20)")
    p.add_argument("--allow-private", action="store_true",
                   help="allow a loopback/private start page (crawl.allow_private; tests, demo)")
    p.set_defaults(allow_private_section="crawl")


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        summaries = list_sites(settings, store)
    if args.json:
        emit([vars(s) for s in summaries])
    elif not summaries:
        print(f"(no site files in {settings.sites_dir})")
    else:
        for summary in summaries:
            print(_list_line(summary))
    return exits.PARTIAL if any(s.problem for s in summaries) else exits.OK


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    result = check_site(settings, args.site, shown=max(0, args.show))
    if args.json:
        emit(result)
    else:
        _print_check(result)
    return exits.OK if result.fetched else exits.NOTHING_DONE


def _list_line(s: SiteSummary) -> str:
    if s.problem:
        return f"{s.name}  BROKEN  {s.problem}"
    state = "paused" if s.paused else "active"
    if s.last_crawl_at is None:
        last = "never crawled"
    else:
        when = s.last_crawl_at.strftime("%Y-%m-%d %H:%M UTC")
        last = (f"last {when} {s.last_crawl_status}: {s.last_pages} pages, "
                f"{s.last_media_found} media ({s.last_media_new} new), {s.last_errors} errors")
    trend = " ".join(str(n) for n in s.new_media_per_day.values())
    auth = "  auth" if s.auth else ""
    return f"{s.name}  {s.kind}  {s.schedule!r}  {state}{auth}  {last}  new/day(7d): {trend}"


def _print_check(c: SiteCheck) -> None:
    print(f"site      {c.site}")
    print(f"url       {c.url}")
    if c.status is not None:
        moved = f" -> {c.final_url} ({len(c.redirects)} redirects)" if c.redirects else ""
        print(f"status    {c.status} {c.content_type} {c.size} bytes{moved}")
    if c.auth_headers:
        print(f"auth      sent {', '.join(c.auth_headers)} (values not shown)")
    print(f"robots    {c.robots}")
    preview = c.preview
    if preview is not None:
        print(f"read as   {preview.read_as}")
        print(f"media     {preview.media_total} to fetch" + _first(preview.media))
        for url in preview.media:
            print(f"  {url}")
        print(f"links     {preview.links_total} to follow, {preview.links_not_followed} not "
              f"followed (off-site, deny, follow, max_depth)" + _first(preview.links))
        for url in preview.links:
            print(f"  {url}")
        rel = " (rel=next)" if preview.next_by_rel else ""
        print(f"next      {preview.next_page or '-'}{rel}")
        cuts = {"max_media_per_page": preview.media_cut,
                "max_srcset_candidates": preview.srcset_cut}
        for cap, count in cuts.items():
            if count:
                print(f"cut       {count} by crawl.{cap}")
    for note in c.notes:
        print(f"note      {note}")
    if c.error:
        print(f"error     {c.error}")


def _first(urls: list[str]) -> str:
    return f"; the first {len(urls)}:" if urls else ""
