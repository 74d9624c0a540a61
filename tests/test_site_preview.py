"""`crawlers.preview.preview_page`: what one page gives a crawl, decided by the crawl's own
scope rules, decoded as Scrapy decodes it, and read by a plugged-in reader when the site's
template or kind has one."""

from __future__ import annotations

import pytest

from crawlers.extract import ExtractLimits, PageLinks
from crawlers.preview import READERS, preview_page, reader_for
from crawlers.sites import SiteDefinition
from crawlers.telegram_preview import parse_preview
from tests.crawl_site import image_bytes
from tests.forum_engines import ENGINES
from tests.forum_site import HOLIDAY, PHOTOS, thread_page
from tests.telegram_fixture import CHANNEL, TelegramPreview

LIMITS = ExtractLimits(max_srcset_candidates=8, max_media=500)
URL = "https://forum.example.org/board/1"


def forum(**fields: object) -> SiteDefinition:
    return SiteDefinition.model_validate({"name": "forum", "start_urls": [URL]} | fields)


def test_links_follow_the_sites_rules_and_lists_keep_the_first_few() -> None:
    html = ("".join(f'<img src="/m/{n}.jpg">' for n in range(5)) + '<img src="/ads/x.jpg">'
            '<a href="/board/2">2</a><a href="/board/3">3</a><a href="/board/3">again</a>'
            '<a href="/help">help</a><a href="https://other.example.net/board/4">away</a>'
            '<a href="/board/logout">bye</a>')
    site = forum(follow=["/board/"], deny=["/ads/", "logout"])
    found = preview_page(site, URL, html.encode(), "text/html", limits=LIMITS, max_depth=1,
                         shown=2)
    assert found.media == ["https://forum.example.org/m/0.jpg",
                           "https://forum.example.org/m/1.jpg"] and found.media_total == 5
    assert found.links == ["https://forum.example.org/board/2",
                           "https://forum.example.org/board/3"]
    assert (found.links_total, found.links_not_followed) == (2, 3)
    at_depth_zero = preview_page(site, URL, html.encode(), "text/html", limits=LIMITS,
                                 max_depth=0)
    assert at_depth_zero.links == [] and at_depth_zero.links_not_followed == 5


def test_the_page_is_decoded_by_its_declared_charset() -> None:
    html = '<a href="/board/2">다음</a><img src="/m/사진.jpg">'.encode("euc-kr")
    found = preview_page(forum(), URL, html, "text/html; charset=EUC-KR", limits=LIMITS,
                         max_depth=1)
    assert found.next_page == "https://forum.example.org/board/2" and not found.next_by_rel
    assert found.media == ["https://forum.example.org/m/사진.jpg"]
    undeclared = preview_page(forum(), URL, html, "text/html", limits=LIMITS, max_depth=1)
    assert undeclared.next_page is None  # read as UTF-8, "다음" is lost: the charset mattered


def test_media_files_and_unread_types() -> None:
    photo = preview_page(forum(), URL, image_bytes(3), "application/octet-stream",
                         limits=LIMITS, max_depth=1)
    assert photo.read_as == "media file (image/jpeg)" and photo.media == [URL]
    pdf = preview_page(forum(), URL, b"%PDF-1.7 ...", "application/pdf", limits=LIMITS,
                       max_depth=1)
    assert pdf.read_as == "not read (application/pdf)" and pdf.media == pdf.links == []


def test_a_template_reader_plugs_in_and_the_scope_still_applies(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def read_thread(site: SiteDefinition, url: str, text: str, limits: ExtractLimits
                    ) -> PageLinks:
        return PageLinks(media=["https://forum.example.org/attachments/9/"],
                         links=["https://forum.example.org/board/1?page=2",
                                "https://elsewhere.example.net/"],
                         next_page="https://forum.example.org/board/1?page=2", next_by_rel=True)

    monkeypatch.setitem(READERS, "template:xenforo", ("forum:xenforo", read_thread))
    site = forum(template="xenforo")
    assert reader_for(site)[0] == "forum:xenforo" and reader_for(forum())[0] == "html"
    found = preview_page(site, URL, b"<html></html>", "text/html", limits=LIMITS, max_depth=1)
    assert found.read_as == "forum:xenforo"
    assert found.media == ["https://forum.example.org/attachments/9/"]
    assert found.links == ["https://forum.example.org/board/1?page=2"]
    assert found.links_not_followed == 1 and found.next_by_rel


def test_a_telegram_preview_page_gives_its_posts_media_and_the_older_page() -> None:
    base, cdn = "http://tme.test", "http://cdn.test"
    preview = TelegramPreview(base, cdn, media={})
    url, html = f"{base}/s/{CHANNEL}", preview.page()
    page = parse_preview(html, url)
    channel = SiteDefinition.model_validate({"name": "share", "kind": "telegram",
                                             "channels": [CHANNEL], "base_url": base})
    found = preview_page(channel, url, html.encode(), "text/html; charset=utf-8", limits=LIMITS,
                         max_depth=0, shown=50)
    expected = [m.url for post in page.posts for m in post.media]
    assert found.read_as == "telegram" and found.media == expected and expected
    assert found.links == [] and found.links_not_followed == 0
    assert page.before is not None and found.next_by_rel
    assert found.next_page == f"{url}?before={page.before}"
    newest = next(post for post in reversed(page.posts) if post.media)
    denied = channel.model_copy(update={"deny": [f"/{CHANNEL}/{newest.post_id}$"]})
    without = preview_page(denied, url, html.encode(), "text/html", limits=LIMITS, max_depth=0,
                           shown=50)
    kept = [m for m in expected if m not in {x.url for x in newest.media}]
    assert without.media == kept and len(kept) < len(expected)


@pytest.mark.parametrize("name", ["phpbb", "xenforo"])
def test_a_forum_sites_check_reads_the_page_with_its_engines_template(name: str) -> None:
    """`sites check` on a thread page shows what the templated crawl takes: full-size
    attachments, not thumbnails; the thread's next page; no trap links."""
    engine = ENGINES[name]
    base = "http://forum.example.org"
    site = SiteDefinition.model_validate({"name": "f", "start_urls": [base + engine.index],
                                          "template": name})
    body = thread_page(engine, HOLIDAY, 1)
    found = preview_page(site, base + engine.thread_path(HOLIDAY, 1), body, "text/html",
                         limits=LIMITS, max_depth=2, shown=100)
    assert found.read_as == f"forum:{name}"
    paths = {u.removeprefix(base) for u in found.media}
    assert paths and paths <= {engine.full(n) for n in PHOTOS}
    assert not paths & {path for n in PHOTOS for path in engine.thumbs(n)}
    assert found.next_page == base + engine.thread_path(HOLIDAY, 2)
    assert not {u.removeprefix(base) for u in found.links} & set(engine.traps)
    plain = preview_page(site.model_copy(update={"template": None}),
                         base + engine.thread_path(HOLIDAY, 1), body, "text/html",
                         limits=LIMITS, max_depth=2, shown=100)
    assert plain.read_as == "html" and {u.removeprefix(base) for u in plain.media} != paths
