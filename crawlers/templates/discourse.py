"""Discourse: topics at `/t/<slug>/<id>?page=N`, uploads under `/uploads/<site>/`.

Discourse answers crawlers (jikimi's user agent says it is one) with a plain HTML view of a
topic: its posts as `div.crawler-post`, `<link rel=next>` and `a[rel=next]` to `?page=N`. When
a site still sends its JavaScript app, the same view sits in the page's `<noscript>`, which the
HTML parser reads like any markup. An image is `optimized/…_2_690x388.jpeg` (with 1.5x and 2x
`srcset` variants) inside `a.lightbox` whose href is the `original/…` file: that link is the
full size. Post-number links (`/t/<slug>/<id>/<n>`) show a page already crawled, and user
pages, search and login are not followed.
"""

from __future__ import annotations

import re

from crawlers.templates.base import ForumTemplate, drop_query


def _canonical(url: str) -> str:
    return drop_query(url, {"u"})  # share links carry the sharer's name


DISCOURSE = ForumTemplate(
    engine="discourse",
    thread_markers=("//*[contains(concat(' ', normalize-space(@class), ' '), ' crawler-post ')]"
                    " | //*[@itemtype='http://schema.org/DiscussionForumPosting']"),
    next_page="//a[@rel='next']/@href | //link[@rel='next']/@href",
    follow=re.compile(r"/t/[^/?#]+/\d+|/c/|/latest|/categories|/tags?/"),
    skip=re.compile(
        r"/t/[^/?#]+/\d+/\d+"  # a post number inside a topic
        r"|(?<!/t)/(?:login|signup|session|u|users|my|search|new-topic|new-message|badges|g|groups"
        r"|admin|review|email|password-reset|invites|raw|print|faq|guidelines|tos|privacy"
        r"|about|posts)(?:[/?#]|$)"
        r"|\.(?:rss|json)(?:$|\?)|[?&](?:order|ascending|period|print)="
    ),
    attachments=re.compile(r"/(?:secure-)?uploads/"),
    canonical=_canonical,
)
