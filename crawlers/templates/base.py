"""What a forum or gallery template knows about one engine's markup and URLs.

A template is data, not a crawler: XPath expressions for the engine's thread pages and its next
page, patterns for the links worth following (threads, forum listings) and the ones that only
waste a crawl's page budget (login, reply, report, member pages, sorting and search), the URLs
of attachments that carry no file extension, and how a thumbnail's URL becomes its full-size
one. `crawlers.templates.apply` turns that knowledge into changes to what `extract_page` found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# A file name (an attachment's link text or title, a XenForo attachment slug such as
# `beach-jpg.11`) that says the file is an image or a video.
_MEDIA_NAME = re.compile(
    r"[.-](?:jpe?g|jfif|png|gif|webp|avif|heic|heif|bmp|tiff?|mp4|m4v|mov|webm|mkv|avi|3gp)"
    r"(?=$|[^a-z0-9])",
    re.IGNORECASE,
)


def same(url: str) -> str:
    """The identity rule: a URL that already names the full-size file."""
    return url


def names_media(text: str) -> bool:
    """Whether a file name, link text or URL names an image or video file."""
    return bool(_MEDIA_NAME.search(text))


def drop_query(url: str, names: Collection[str],
               keep: Callable[[str, str], bool] | None = None) -> str:
    """`url` without the query parameters in `names` (those `keep(name, value)` spares stay).

    The rest of the query is kept byte for byte: engines put bare words there too
    (vBulletin's `showthread.php?101-title/page2`)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    fields = parts.query.split("&")
    kept = []
    for field in fields:
        name, _, value = field.partition("=")
        if name not in names or (keep is not None and keep(name, value)):
            kept.append(field)
    if len(kept) == len(fields):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


def query_value(url: str, name: str) -> str | None:
    """The first value of query parameter `name`, undecoded; None when absent."""
    for field in urlsplit(url).query.split("&"):
        key, sep, value = field.partition("=")
        if key == name and sep:
            return value
    return None


@dataclass(frozen=True)
class ForumTemplate:
    """One engine's rules (see the module docstring); `crawlers.templates` names them."""

    engine: str
    thread_markers: str  # XPath: any match makes the page a thread page (`forum:<engine>`)
    next_page: str  # XPath of next-page hrefs, in order of trust; the first that resolves wins
    skip: re.Pattern[str]  # links never followed
    follow: re.Pattern[str] | None = None  # thread and listing links; None: any not skipped
    attachments: re.Pattern[str] | None = None  # media URLs that have no file extension
    full_size: Callable[[str], str] = same  # a thumbnail's URL -> the full-size file's URL
    full_attributes: tuple[str, ...] = ()  # <img> attributes naming its full-size file, in order
    not_pages: str = ""  # XPath of hrefs that are neither media nor pages worth a visit
    canonical: Callable[[str], str] = same  # a link without session ids and share parameters

    @property
    def source(self) -> str:
        """The crawl report's source kind for this engine's thread pages."""
        return f"forum:{self.engine}"

    def is_attachment(self, url: str) -> bool:
        return self.attachments is not None and bool(self.attachments.search(url))

    def may_follow(self, url: str) -> bool:
        if self.skip.search(url):
            return False
        return self.follow is None or bool(self.follow.search(url))
