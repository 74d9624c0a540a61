"""phpBB 3.3 (prosilver): `viewtopic.php?t=N&start=M`, attachments at `download/file.php?id=N`.

A thumbnail is `download/file.php?id=N&t=1` inside a link to `download/file.php?id=N&mode=view`;
both name the same file, so the full size is the URL without `t` and `mode`. Pagination:
`li.next a` / `a[rel=next]` to `&start=M`. Guests without cookies get `sid=` in every link, one
more URL per page per session, so it is dropped; post permalinks (`viewtopic.php?p=N`) show a
thread page already crawled, so they are not followed.
"""

from __future__ import annotations

import re

from crawlers.templates.base import ForumTemplate, drop_query


def _full_size(url: str) -> str:
    return drop_query(url, {"t", "mode"}) if "file.php" in url else url


def _canonical(url: str) -> str:
    return drop_query(url, {"sid"})


PHPBB = ForumTemplate(
    engine="phpbb",
    thread_markers=("//body[contains(concat(' ', normalize-space(@class), ' '),"
                    " ' section-viewtopic ')]"
                    " | //div[@id='page-body']//div[contains(concat(' ',"
                    " normalize-space(@class), ' '), ' postbody ')]"),
    next_page=("//li[contains(concat(' ', normalize-space(@class), ' '), ' next ')]/a/@href"
               " | //a[@rel='next']/@href | //link[@rel='next']/@href"),
    follow=re.compile(r"(?:viewtopic|viewforum|index)\.php|/$"),
    skip=re.compile(
        r"(?:ucp|posting|memberlist|report|search|mcp|faq|viewonline|feed|cron)\.php"
        r"|/app\.php/(?:help|feed|user|ucp)"
        r"|viewtopic\.php\?(?:[^#]*&)?p=\d+"  # a post's permalink
        r"|[?&](?:view|mark|hilit|sk|sd|st|e|hash|watch|unwatch|bookmark)="
    ),
    attachments=re.compile(r"download/file\.php\?(?:[^#]*&)?id=\d+"),
    full_size=_full_size,
    canonical=_canonical,
)
