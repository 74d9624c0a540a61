"""WordPress galleries: core gallery blocks (`wp-block-gallery`), Jetpack tiled galleries and
carousels, classic `[gallery]` shortcodes.

Uploads keep the original at `/wp-content/uploads/…/name.jpg` and add sizes as
`name-300x200.jpg`; Jetpack puts the original in `data-orig-file` (and a large size in
`data-large-file`) on each `<img>`, and Photon serves resized copies from `i0.wp.com/<host>/…
?resize=…`. So the full size is `data-orig-file`, then a link to the file around the image, then
the URL without its size suffix or Photon parameters. Pagination: `a.next.page-numbers`
(`/page/N/`), the block theme's query pagination, a post's own pages (`/post/2/`, after the
current `post-page-numbers`), `<link rel=next>`; not the link to the previous post, which would
walk the whole blog as one chain. Attachment pages (the link around a Jetpack
image), comment replies (`?replytocom=`), feeds, login, search and share links are not
followed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from crawlers.templates.base import ForumTemplate

_SIZE_SUFFIX = re.compile(r"-\d{2,5}x\d{2,5}(?=\.[A-Za-z0-9]{2,5}$)")
_PHOTON = re.compile(r"^i[0-3]\.wp\.com$")


def _full_size(url: str) -> str:
    parts = urlsplit(url)
    if _PHOTON.match(parts.hostname or ""):
        return urlunsplit(parts._replace(query=""))
    if "/wp-content/uploads/" in parts.path:
        return urlunsplit(parts._replace(path=_SIZE_SUFFIX.sub("", parts.path)))
    return url


_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"

WORDPRESS = ForumTemplate(
    engine="wordpress",
    thread_markers=(f"//*[{_CLASS.format('wp-block-gallery')}]"
                    f" | //*[{_CLASS.format('tiled-gallery')}]"
                    f" | //*[{_CLASS.format('gallery')}] | //img[@data-orig-file]"),
    next_page=(f"//a[{_CLASS.format('next')}][{_CLASS.format('page-numbers')}]/@href"
               f" | //a[{_CLASS.format('wp-block-query-pagination-next')}]/@href"
               f" | //*[{_CLASS.format('current')}][{_CLASS.format('post-page-numbers')}]"
               f"/following-sibling::a[{_CLASS.format('post-page-numbers')}][1]/@href"
               " | //link[@rel='next']/@href"),
    skip=re.compile(
        r"wp-login\.php|/wp-admin/|/wp-json/|xmlrpc\.php|/wp-content/|/feed/?(?:$|\?)"
        r"|/comments/feed|/trackback/?$|/embed/?$|/comment-page-\d+"
        r"|[?&](?:replytocom|share|s|like_comment|action|doing_wp_cron|orderby|order|nb)="
        r"|/author/"
    ),
    full_size=_full_size,
    full_attributes=("data-orig-file", "data-large-file"),
    not_pages="//a[.//img[@data-orig-file or @data-attachment-id]]/@href",
)
