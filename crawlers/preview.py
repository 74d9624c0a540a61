"""What a crawl would take from one fetched page, without crawling: `jikimi sites check`.

An operator writing a site file wants to see, before the first crawl, whether the page is read
at all (a login wall answers a sign-in form), which media the crawler would fetch, which links
it would follow and where pagination goes. :func:`preview_page` answers from the same parts a
crawl uses: the page reader (`extract_page` for HTML), the site's scope rules
(`crawlers.scope`: follow, deny, allowed domains, depth) and the extract limits.

Readers for other sources plug in through :data:`READERS`: a site's forum `template` or its
`kind` names a reader that returns the same :class:`~crawlers.extract.PageLinks` the HTML reader
does (keys `"template:<engine>"` and `"kind:<kind>"`; the template wins): Telegram channel
previews are read with `crawlers.telegram_preview`, forum pages with their engine's template
(`crawlers.templates`). Without one, HTML is read with
`extract_page`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from w3lib.encoding import html_to_unicode

from crawlers.extract import ExtractLimits, PageLinks, extract_page
from crawlers.scope import SiteScope
from crawlers.sites import SiteDefinition
from crawlers.telegram_preview import parse_preview, preview_url
from crawlers.templates import TEMPLATES, read_page
from kernel.sniff import sniff

# (site, page URL, page text, limits) -> what the page links to and embeds
PageReader = Callable[[SiteDefinition, str, str, ExtractLimits], PageLinks]


def _read_telegram(site: SiteDefinition, url: str, text: str, limits: ExtractLimits
                   ) -> PageLinks:
    """A channel's preview page as `crawlers.spiders.telegram` reads it: every post's media
    (posts whose own URL `deny` matches left out), no links, the older page as the next one."""
    page, scope = parse_preview(text, url), SiteScope(site, 0)
    posts = [post for post in page.posts if not scope.denied(post.url(site.base_url))]
    media = [m.url for post in posts for m in post.media]
    cut = max(0, len(media) - limits.max_media) if limits.max_media is not None else 0
    channel = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    older = preview_url(site.base_url, channel, page.before) if page.before else None
    return PageLinks(media=media[:len(media) - cut], next_page=older, next_by_rel=older is not None,
                     media_cut=cut)


def _forum_reader(engine: str) -> PageReader:
    def read(site: SiteDefinition, url: str, text: str, limits: ExtractLimits) -> PageLinks:
        """A page as the crawl reads it with the site's forum template (crawlers/templates)."""
        return read_page(TEMPLATES[engine], text, url, limits).links
    return read


READERS: dict[str, tuple[str, PageReader]] = {  # key -> (label shown, reader)
    "kind:telegram": ("telegram", _read_telegram),
    **{f"template:{engine}": (f"forum:{engine}", _forum_reader(engine)) for engine in TEMPLATES},
}


@dataclass
class PagePreview:
    """What the crawler would take from a page: media to fetch, pages to follow, the next page.

    Lists keep the first `shown` entries; the totals count them all. `read_as` names the reader
    ("html", a forum engine, …) or says the URL is itself a media file ("media file
    (image/jpeg)"), or why the page is not read ("not read (application/pdf)")."""

    read_as: str
    media: list[str] = field(default_factory=list)
    media_total: int = 0
    links: list[str] = field(default_factory=list)  # pages a crawl would follow from here
    links_total: int = 0
    links_not_followed: int = 0  # off-site, denied, not matching `follow`, or beyond max_depth
    next_page: str | None = None
    next_by_rel: bool = False
    media_cut: int = 0  # left out by crawl.max_media_per_page
    srcset_cut: int = 0  # left out by crawl.max_srcset_candidates


def reader_for(site: SiteDefinition) -> tuple[str, PageReader]:
    """The reader a crawl of `site` uses for its pages (label, function)."""
    for key in (f"template:{site.template}" if site.template else "", f"kind:{site.kind}"):
        if key in READERS:
            return READERS[key]
    return "html", _read_html


def preview_page(site: SiteDefinition, url: str, body: bytes, content_type: str, *,
                 limits: ExtractLimits, max_depth: int, shown: int = 20) -> PagePreview:
    """What a crawl of `site` would take from `body`, fetched from `url` as its start page
    (depth 0, so links are followed when `max_depth` ≥ 1); `content_type` is the response's
    Content-Type header, charset included."""
    kind, subtype = sniff(body[:64])
    if kind != "unknown":  # a start URL that is really a media file: the crawl stores it
        return PagePreview(read_as=f"media file ({subtype})", media=[url], media_total=1)
    if not _is_text(content_type):  # the spider reads text responses only
        return PagePreview(read_as=f"not read ({content_type.split(';')[0].strip()})")
    _, text = html_to_unicode(content_type or None, body)  # as Scrapy's TextResponse decodes
    label, reader = reader_for(site)
    found = reader(site, url, text, limits)
    scope = SiteScope(site, max_depth)
    media = [u for u in found.media if not scope.denied(u)]
    links = [u for u in dict.fromkeys(found.links) if scope.may_follow(u, 1)]
    next_page = found.next_page
    if next_page is not None and not scope.may_follow(next_page, 0 if found.next_by_rel else 1):
        next_page = None
    return PagePreview(
        read_as=label, media=media[:shown], media_total=len(media), links=links[:shown],
        links_total=len(links), links_not_followed=len(set(found.links)) - len(links),
        next_page=next_page, next_by_rel=found.next_by_rel and next_page is not None,
        media_cut=found.media_cut, srcset_cut=found.srcset_cut,
    )


def _read_html(site: SiteDefinition, url: str, text: str, limits: ExtractLimits) -> PageLinks:
    return extract_page(text, url, limits)


def _is_text(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return not mime or mime.startswith("text/") or any(w in mime for w in ("html", "xml", "json"))
