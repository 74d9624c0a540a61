"""vBulletin 4 and 5: threads `showthread.php?101-title/page2` (4) or `/forum/…/101-title/page2`
(5); attachments `attachment.php?attachmentid=N` (4) or `filedata/fetch?id=N` (5).

A thumbnail is the same URL with `thumb=1` (4) or `type=thumb` (5) inside a link to the full
file, so the full size drops those parameters. Pagination: `a[rel=next]` (4: in
`span.prev_next`; 5: `a.js-pagenav-next-button`). Session hashes (`s=<32 hex>`) are dropped from
links; post permalinks (`showpost.php`, `showthread.php?…p=N`) are not followed.
"""

from __future__ import annotations

import re

from crawlers.templates.base import ForumTemplate, drop_query

_SESSION_HASH = re.compile(r"[0-9a-f]{32}")


def _full_size(url: str) -> str:
    if "attachment.php" in url:
        return drop_query(url, {"thumb"})
    if "filedata/fetch" in url:
        return drop_query(url, {"type"})
    return url


def _canonical(url: str) -> str:
    return drop_query(url, {"s"}, keep=lambda _, value: not _SESSION_HASH.fullmatch(value))


VBULLETIN = ForumTemplate(
    engine="vbulletin",
    thread_markers=("//div[@id='postlist'] | //ol[@id='posts']"
                    " | //ul[contains(concat(' ', normalize-space(@class), ' '),"
                    " ' conversation-list ')]"),
    next_page=("//span[contains(@class, 'prev_next')]/a[@rel='next']/@href"
               " | //a[contains(concat(' ', normalize-space(@class), ' '),"
               " ' js-pagenav-next-button ')]/@href"
               " | //a[@rel='next']/@href | //link[@rel='next']/@href"),
    follow=re.compile(r"(?:showthread|forumdisplay|forum|index)\.php"
                      r"|/(?:threads?|forums?)/|/\d+-[^/?#]+(?:/page\d+)?/?$"),
    skip=re.compile(
        r"(?:login|register|newreply|newthread|editpost|member|private|report|sendmessage"
        r"|search|printthread|showpost|misc|online|calendar|faq|profile|usercp|subscription"
        r"|ajax|lostpw|memberlist|announcement)\.php|/archive/"
        r"|showthread\.php\?(?:[^#]*&)?p=\d+"  # a post's permalink
        r"|[?&](?:do|goto|mode|sort|order|daysprune|pp|highlight)="
        r"|/(?:auth/login|login|register|member|privatemessage|search|help|lostpw|new-content"
        r"|activity)(?:[/?]|$)"
    ),
    attachments=re.compile(r"attachment\.php\?(?:[^#]*&)?attachmentid=\d+"
                           r"|filedata/fetch\?(?:[^#]*&)?(?:id|filedataid)=\d+"),
    full_size=_full_size,
    canonical=_canonical,
)
