"""Find media and followable links in HTML, whatever markup a site hides them behind.

Sites that host abusive media rarely use a plain `<img src>`: images are lazy-loaded
(`data-src`, `data-original`), responsive (`srcset`, `<picture>`), painted as CSS backgrounds,
announced only in `og:image` meta, or linked as files. Missing one of those means missing the
media a victim needs found, so every form is read, every `srcset` candidate kept (the largest
is often the only one a face detector can use), URLs resolved against `<base href>`, and
non-fetchable schemes (data:, javascript:) dropped. `<audio>` is ignored: it has no faces.
HLS and DASH playlists (`.m3u8`, `.mpd`) count as media wherever a video could be: in `<video>`,
`<source>` and links, and in player configurations inside scripts (`crawlers.streams.links`).

A hostile page can also list more media than any gallery has (5,000 images with 50,000 `srcset`
candidates made one crawl send 55,262 requests), so :class:`ExtractLimits` bounds the work: per
element only the largest `srcset` candidates are kept (by their `w`/`x` descriptor: the largest
is the one a face detector can use, the smaller ones are the same picture downscaled), and per
page only the first distinct media URLs found (`<img>`/`<video>` in document order, then lazy
attributes, CSS, meta tags and links to media files). What was cut is counted in
:class:`PageLinks`, so the crawl report can say so.

Pure functions over text: no network, no Scrapy response, safe on broken or hostile HTML
(a parse failure yields nothing rather than an exception).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector, SelectorList

from crawlers.streams.links import STREAM_EXTENSIONS, player_stream_urls
from crawlers.urltext import last_segment, lower_path

IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "bmp", "avif", "heic", "heif", "tif"}
) | {"tiff"}
VIDEO_EXTENSIONS = frozenset({"mp4", "m4v", "mov", "webm", "avi", "flv", "mkv", "wmv", "3gp"})
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS | STREAM_EXTENSIONS
# url() targets in CSS that are never media worth fetching.
_NOT_MEDIA_EXTENSIONS = frozenset(
    {"css", "js", "woff", "woff2", "ttf", "otf", "eot", "svg", "svgz"}
)
_LAZY_ATTRIBUTES = ("src", "data-src", "data-original", "data-lazy-src", "data-lazy", "data-url")
_SRCSET_ATTRIBUTES = ("srcset", "data-srcset", "data-lazy-srcset")
_MEDIA_META = re.compile(r"^(og:image|og:video|twitter:image|twitter:player:stream)(:|$)")
_META_SKIP_SUFFIXES = (":type", ":width", ":height", ":alt")
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_NEXT_WORDS = frozenset(
    {"next", "next page", "next »", "next ›", "›", "»", "older", "다음", "다음 페이지"}
)
_MEDIA_TAG = re.compile(r"<(?:img|video|source)\b[^>]*>", re.IGNORECASE)
# libxml2 does not know <source> is a void element, so later siblings nest inside it: use //.
_IN_DOCUMENT = "//img | //picture//source | //video | //video//source"
# A <source> read out of context: keep it when it cannot be an <audio> source.
_LONE_TAGS = "//img | //video | //source[@srcset or @data-srcset or starts-with(@type, 'video')]"
_FETCHABLE = ("http", "https")
_MAX_URL_LENGTH = 4096


@dataclass(frozen=True)
class ExtractLimits:
    """How much one page may give the crawler (`crawl.max_srcset_candidates`,
    `crawl.max_media_per_page`); None means no limit."""

    max_srcset_candidates: int | None = None  # per element and srcset attribute
    max_media: int | None = None  # distinct media URLs per page


@dataclass
class PageLinks:
    """What a page offers the crawler: media to fetch, pages to follow, and the next page."""

    media: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    next_page: str | None = None
    next_by_rel: bool = False  # declared with rel=next (not guessed from a "next" label)
    srcset_cut: int = 0  # srcset candidates left out by `max_srcset_candidates`
    media_cut: int = 0  # distinct media URLs left out by `max_media`


def extract_page(html: str, page_url: str, limits: ExtractLimits | None = None) -> PageLinks:
    """Media URLs, followable page URLs and the pagination target of one HTML page."""
    limits = limits or ExtractLimits()
    selector = _parse(html)
    if selector is None:
        return PageLinks()
    base = _base_url(selector, page_url)
    cuts = _Cuts()
    media = _media_urls(selector, base, html, limits, cuts)
    media_set = set(media)
    if limits.max_media is not None and len(media) > limits.max_media:
        cuts.media = len(media) - limits.max_media
        media = media[:limits.max_media]
    next_page, by_rel = _next_page(selector, base)
    links = [u for u in _page_links(selector, base) if u not in media_set]
    return PageLinks(media=media, links=links, next_page=next_page, next_by_rel=by_rel,
                     srcset_cut=cuts.srcset, media_cut=cuts.media)


def is_media_url(url: str) -> bool:
    """Whether the URL's path ends in a known image, video or playlist extension."""
    name = last_segment(url)
    return "." in name and name.rsplit(".", 1)[-1] in MEDIA_EXTENSIONS


def looks_like_video(url: str) -> bool:
    """Whether the URL's path ends in a video extension (such downloads get the video size cap;
    the content type is still sniffed from the bytes)."""
    name = last_segment(url)
    return "." in name and name.rsplit(".", 1)[-1] in VIDEO_EXTENSIONS


def parse_srcset(value: str) -> list[str]:
    """Every candidate URL of a `srcset` (the HTML spec's splitting, descriptors dropped)."""
    return [url for url, _ in srcset_candidates(value)]


def largest_srcset(value: str, limit: int | None) -> tuple[list[str], int]:
    """The `limit` largest candidates of a `srcset` in document order, and how many were cut.

    Size is the `w` (width) or `x` (density) descriptor; a candidate without one is `1x`."""
    candidates = srcset_candidates(value)
    if limit is None or len(candidates) <= limit:
        return [url for url, _ in candidates], 0
    ranked = sorted(range(len(candidates)), key=lambda i: -candidates[i][1])
    keep = sorted(ranked[:max(0, limit)])
    return [candidates[i][0] for i in keep], len(candidates) - len(keep)


def srcset_candidates(value: str) -> list[tuple[str, float]]:
    """Each `srcset` candidate's URL and size (its `w` or `x` number; 1.0 when absent or
    unreadable), split by the HTML spec's rules."""
    urls: list[tuple[str, float]] = []
    position, length = 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors up to the next comma outside parentheses
            depth, described = 0, position
            while position < length and (value[position] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[position], 0)
                position += 1
            descriptor = value[described:position]
        if url:
            urls.append((url, _candidate_size(descriptor)))
    return urls


def _candidate_size(descriptor: str) -> float:
    for token in descriptor.split():
        if token[-1:].lower() in ("w", "x"):
            try:
                size = float(token[:-1])
            except ValueError:
                continue
            if size == size and size > 0:  # not NaN
                return min(size, 1e9)
    return 1.0


def css_urls(css: str) -> list[str]:
    """The targets of `url(...)` in a CSS text, fonts and stylesheets excluded."""
    found = []
    for match in _CSS_URL.finditer(css):
        url = next((g for g in match.groups() if g is not None), "").strip()
        if url and lower_path(url).rsplit(".", 1)[-1] not in _NOT_MEDIA_EXTENSIONS:
            found.append(url)
    return found


# ----------------------------------------------------------------------------- internals ---
def _parse(html: str) -> Selector | None:
    try:
        return Selector(text=html.replace("\x00", ""), type="html")
    except Exception:  # lxml rejects some pathological input; such a page simply yields nothing
        return None


def _base_url(selector: Selector, page_url: str) -> str:
    href = selector.xpath("//base/@href").get()
    if href:
        resolved = _absolute(page_url, href)
        if resolved is not None:
            return resolved
    return page_url


def _absolute(base: str, raw: str) -> str | None:
    candidate = raw.strip()
    if not candidate or len(candidate) > _MAX_URL_LENGTH:
        return None
    try:
        url = urldefrag(urljoin(base, candidate)).url
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    if parts.scheme.lower() not in _FETCHABLE or not parts.hostname:
        return None
    return url


def _resolve_all(base: str, raws: list[str]) -> list[str]:
    resolved = (_absolute(base, raw) for raw in raws)
    return list(dict.fromkeys(u for u in resolved if u is not None))


@dataclass
class _Cuts:
    srcset: int = 0
    media: int = 0


def _media_urls(selector: Selector, base: str, html: str, limits: ExtractLimits,
                cuts: _Cuts) -> list[str]:
    raws = _element_media(selector.xpath(_IN_DOCUMENT), limits, cuts)
    tags = _MEDIA_TAG.findall(html)
    if len(tags) > len(selector.xpath("//img | //source | //video")):
        # The parser gave up on part of the document (e.g. nesting deeper than libxml2 allows,
        # a way to hide media from crawlers): read every such tag on its own. Those tags include
        # the ones already read, so their cut candidates are counted once (the larger count).
        in_document, cuts.srcset = cuts.srcset, 0
        for tag in tags:
            lone = Selector(text=tag, type="html").xpath(_LONE_TAGS)
            raws.extend(_element_media(lone, limits, cuts))
        cuts.srcset = max(cuts.srcset, in_document)
    # lazy-loading libraries also put data-src / data-bg on <div>, <a>, <figure>
    raws.extend(selector.xpath("//*[not(self::img or self::source)]/@data-src").getall())
    raws.extend(selector.xpath("//*/@data-bg | //*/@data-background").getall())
    for style in selector.xpath("//*/@style | //style/text()").getall():
        raws.extend(css_urls(style))
    for meta in selector.xpath("//meta[@content]"):
        key = (meta.xpath("@property").get() or meta.xpath("@name").get() or "").strip().lower()
        if _MEDIA_META.match(key) and not key.endswith(_META_SKIP_SUFFIXES):
            raws.append(meta.xpath("@content").get() or "")
    for href in selector.xpath("//a/@href | //area/@href").getall():
        resolved = _absolute(base, href)
        if resolved is not None and is_media_url(resolved):
            raws.append(resolved)
    raws.extend(player_stream_urls(selector))
    return _resolve_all(base, raws)


def _element_media(elements: SelectorList[Selector], limits: ExtractLimits,
                   cuts: _Cuts) -> list[str]:
    raws: list[str] = []
    for element in elements:
        for attribute in _LAZY_ATTRIBUTES:
            raws.extend(element.xpath(f"@{attribute}").getall())
        for attribute in _SRCSET_ATTRIBUTES:
            for value in element.xpath(f"@{attribute}").getall():
                kept, cut = largest_srcset(value, limits.max_srcset_candidates)
                raws.extend(kept)
                cuts.srcset += cut
        raws.extend(element.xpath("self::video/@poster").getall())
    return raws


def _page_links(selector: Selector, base: str) -> list[str]:
    raws = selector.xpath("//a/@href | //area/@href | //iframe/@src | //frame/@src").getall()
    return [u for u in _resolve_all(base, raws) if not is_media_url(u)]


def _next_page(selector: Selector, base: str) -> tuple[str | None, bool]:
    rel_next = (
        "//link[contains(concat(' ', normalize-space(translate(@rel, 'NEXT', 'next')), ' '),"
        " ' next ')]/@href"
        " | //a[contains(concat(' ', normalize-space(translate(@rel, 'NEXT', 'next')), ' '),"
        " ' next ')]/@href"
    )
    for href in selector.xpath(rel_next).getall():
        resolved = _absolute(base, href)
        if resolved is not None:
            return resolved, True
    for anchor in selector.xpath("//a[@href]"):
        label = " ".join(" ".join(anchor.xpath(".//text()").getall()).split()).lower()
        aria = (anchor.xpath("@aria-label").get() or "").strip().lower()
        classes = (anchor.xpath("@class").get() or "").lower().split()
        if label in _NEXT_WORDS or aria in _NEXT_WORDS or "next" in classes:
            resolved = _absolute(base, anchor.xpath("@href").get() or "")
            if resolved is not None:
                return resolved, False
    return None, False


# ------------------------------------------------------------------ for site templates ---
# Forum and gallery templates (`crawlers.templates`) read an engine's own markup on top of what
# `extract_page` finds; these give them the same parsing and URL rules.
def parse_page(html: str, page_url: str) -> tuple[Selector, str] | None:
    """The parsed page and the URL its links resolve against (`<base href>`); None if it does
    not parse."""
    selector = _parse(html)
    return None if selector is None else (selector, _base_url(selector, page_url))


def absolute_url(base: str, raw: str) -> str | None:
    """`raw` resolved against `base`, fragment dropped; None unless it is http(s) with a host."""
    return _absolute(base, raw)


def image_urls(element: Selector) -> list[str]:
    """Every URL an `<img>` or `<source>` may load (src, lazy attributes, every srcset
    candidate), unresolved."""
    raws: list[str] = []
    for attribute in _LAZY_ATTRIBUTES:
        raws.extend(element.xpath(f"@{attribute}").getall())
    for attribute in _SRCSET_ATTRIBUTES:
        for value in element.xpath(f"@{attribute}").getall():
            raws.extend(parse_srcset(value))
    return raws
