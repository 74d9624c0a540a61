"""Apply a forum template to one page: adjust what `extract_page` found with the engine's rules.

Forums show small thumbnails and keep the full-size file behind a link, often one without a file
extension (`attachment.php?attachmentid=13`, `/attachments/beach-jpg.11/`) that the generic
extractor takes for a page one hop further, past `max_depth`. A face detector needs the full
file, and a takedown needs its URL, so:

- a thumbnail inside a link to a full-size image (or an `<img>` naming its full file in an
  attribute such as WordPress's `data-orig-file`) is replaced by the full-size one, never both;
  other thumbnails go through the engine's rewrite rule (`t=1`, `thumb=1`, `-300x200.jpg`);
- attachment links become media, fetched with the media size cap and sniffed from their bytes
  like any media; a link without a thumbnail becomes media only when its name says it is an
  image or video (a zip or PDF attachment is neither a page nor media);
- links are kept only where the engine keeps threads and listings, without login, reply,
  report, member, sorting or search links, and without session ids;
- the engine's next-page link counts as declared pagination (it keeps the page's depth).

All of it stays within the crawl's caps: `max_media_per_page` counts the full-size files (a
thumbnail and its `srcset` copies count once, as the file they stand for), and what it leaves out
is counted in the report as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from parsel import Selector

from crawlers.extract import (
    ExtractLimits,
    PageLinks,
    absolute_url,
    extract_page,
    image_urls,
    is_media_url,
    parse_page,
)
from crawlers.templates.base import ForumTemplate, names_media

_LINKED_IMAGES = "//a[@href][.//img or .//picture]"
_IMAGES = ".//img | .//picture//source"


@dataclass(frozen=True)
class TemplatePage:
    """What the crawler takes from a page read with a template."""

    links: PageLinks
    thread: bool  # one of the engine's thread pages (counted as `forum:<engine>`)


def read_page(template: ForumTemplate, html: str, page_url: str,
              limits: ExtractLimits | None = None) -> TemplatePage:
    """What `extract_page` finds in `html`, adjusted by the template's rules, within `limits`.

    The per-page media cap applies to the full-size list: a thumbnail and its `srcset` copies
    count once, as the file they stand for."""
    limits = limits or ExtractLimits()
    found = extract_page(html, page_url, replace(limits, max_media=None))
    return refine(template, html, page_url, found, limits)


def refine(template: ForumTemplate, html: str, page_url: str, found: PageLinks,
           limits: ExtractLimits | None = None) -> TemplatePage:
    """`found` (what `extract_page` read from `html`) adjusted by the template's rules."""
    parsed = parse_page(html, page_url)
    if parsed is None:
        return TemplatePage(found, thread=False)
    selector, base = parsed
    full_of = _full_sizes(template, selector, base)
    media = [full_of.get(url) or template.full_size(url) for url in found.media]
    media += _attachment_links(template, selector, base)
    media = list(dict.fromkeys(media))
    cut = found.media_cut
    cap = (limits or ExtractLimits()).max_media
    if cap is not None and len(media) > cap:
        cut += len(media) - cap
        media = media[:cap]
    not_pages = set(_resolved(selector.xpath(template.not_pages).getall(), base)
                    if template.not_pages else [])
    links = [template.canonical(url) for url in found.links
             if not template.is_attachment(url) and url not in not_pages]
    links = list(dict.fromkeys(url for url in links if template.may_follow(url)))
    next_page, by_rel = _next_page(template, selector, base, found)
    adjusted = replace(found, media=media, links=links, next_page=next_page,
                       next_by_rel=by_rel, media_cut=cut)
    return TemplatePage(adjusted, thread=bool(selector.xpath(template.thread_markers)))


def _full_sizes(template: ForumTemplate, selector: Selector, base: str) -> dict[str, str]:
    """Thumbnail URL -> full-size URL, from links around images and full-size attributes."""
    full_of: dict[str, str] = {}
    for anchor in selector.xpath(_LINKED_IMAGES):
        target = absolute_url(base, anchor.xpath("@href").get() or "")
        if target is None or not (is_media_url(target) or template.is_attachment(target)):
            continue  # a link to a page (a thread, a profile), not to the picture
        target = template.full_size(target)
        for image in anchor.xpath(_IMAGES):
            _map_thumbnails(image, target, base, full_of, template)
    for name in template.full_attributes:  # the first attribute present wins
        for image in selector.xpath(f"//img[@{name}]"):
            if any(image.xpath(f"@{earlier}") for earlier in _before(template, name)):
                continue
            target = absolute_url(base, image.xpath(f"@{name}").get() or "")
            if target is not None:
                _map_thumbnails(image, target, base, full_of, template)
    return full_of


def _before(template: ForumTemplate, name: str) -> tuple[str, ...]:
    return template.full_attributes[:template.full_attributes.index(name)]


def _map_thumbnails(image: Selector, target: str, base: str, full_of: dict[str, str],
                    template: ForumTemplate) -> None:
    raws = image_urls(image)
    for name in (*template.full_attributes, "data-medium-file"):
        raws.extend(image.xpath(f"@{name}").getall())
    for thumbnail in _resolved(raws, base):
        if thumbnail != target:
            full_of[thumbnail] = target


def _attachment_links(template: ForumTemplate, selector: Selector, base: str) -> list[str]:
    """Attachment links without a thumbnail whose name says image or video, full size."""
    if template.attachments is None:
        return []
    found = []
    for anchor in selector.xpath("//a[@href][not(.//img)]"):
        url = absolute_url(base, anchor.xpath("@href").get() or "")
        if url is None or not template.is_attachment(url):
            continue
        label = " ".join([*anchor.xpath(".//text()").getall(),
                          anchor.xpath("@title").get() or "", url])
        if names_media(label):
            found.append(template.full_size(url))
    return found


def _next_page(template: ForumTemplate, selector: Selector, base: str,
               found: PageLinks) -> tuple[str | None, bool]:
    for href in selector.xpath(template.next_page).getall():
        url = absolute_url(base, href)
        if url is not None and template.may_follow(template.canonical(url)):
            return template.canonical(url), True
    if found.next_page is not None:  # the generic guess, if the engine's rules allow it
        url = template.canonical(found.next_page)
        if template.may_follow(url) and not template.is_attachment(url):
            return url, found.next_by_rel
    return None, False


def _resolved(raws: list[str], base: str) -> list[str]:
    urls = (absolute_url(base, raw) for raw in raws)
    return [url for url in urls if url is not None]
