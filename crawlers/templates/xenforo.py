"""XenForo 2: threads at `/threads/<slug>.<id>/page-N`, attachments at `/attachments/<slug>.<id>/`.

A post's attachment list shows a thumbnail from `/data/attachments/…` inside
`a.file-preview.js-lbImage`, whose href is the full file under `/attachments/` (no file
extension: the name is in the slug, `beach-jpg.11`). Pagination: `a.pageNav-jump--next` (and
`pageNavSimple-el--next` on narrow layouts, `<link rel=next>` in the head). Non-friendly
installs put the route in the query (`index.php?threads/…`), hence `[/?]` before each route.
"""

from __future__ import annotations

import re

from crawlers.templates.base import ForumTemplate

XENFORO = ForumTemplate(
    engine="xenforo",
    thread_markers=("//html[@data-template='thread_view']"
                    " | //article[contains(concat(' ', normalize-space(@class), ' '),"
                    " ' message--post ')]"),
    next_page=("//a[contains(concat(' ', normalize-space(@class), ' '), ' pageNav-jump--next ')]"
               "/@href"
               " | //a[contains(concat(' ', normalize-space(@class), ' '),"
               " ' pageNavSimple-el--next ')]/@href"
               " | //link[@rel='next']/@href"),
    follow=re.compile(r"[/?](?:threads|forums|categories)/"),
    skip=re.compile(
        r"[/?](?:login|logout|register|lost-password|account|conversations|members|search"
        r"|whats-new|find-threads|goto|misc|help|online|watched|bookmarks)(?:[/?&]|$)"
        r"|[/?]posts/\d+"  # a post's permalink, reply, react, report, …
        r"|[/?]threads/[^/?#]+/(?:post-\d+|reply|unread|latest|watch|draft|preview|poll"
        r"|add-reply|approve|quick-close|bookmark)"
        r"|[/?]forums/[^/?#]+/(?:post-thread|filters|watch|mark-read)"
        r"|[?&](?:order|direction|prefix_id|starter_id|last_days|thread_type)="
    ),
    attachments=re.compile(r"[/?]attachments/[^/?#]+\.\d+/?(?:$|[?#])"),
)
