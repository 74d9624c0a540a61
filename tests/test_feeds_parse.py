"""Feeds and sitemaps read without a crawl: sniffing by content, gzip within its cap, entries and
their media, dates, and hostile XML (broken, XXE, entity expansion, bombs)."""

from __future__ import annotations

import gzip
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.documents import read_document, rendered_document, sniff_document
from crawlers.entry_marks import EntryMarks, mark_key, parse_date
from crawlers.extract import ExtractLimits
from crawlers.feeds import parse_feed
from crawlers.sitemaps import parse_sitemap, sitemaps_in_robots
from tests.feed_fixtures import DAY, SyndicatedSite, gzip_bomb

BASE = "http://site.test"
FIXTURE = SyndicatedSite(BASE)


@pytest.mark.parametrize(("head", "kind"), [
    (FIXTURE.rss(), "feed"),
    (FIXTURE.atom(), "feed"),
    ('<?xml version="1.0"?><!-- made by hand --><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
     '02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel/></rdf:RDF>', "feed"),
    ("\ufeff<?xml version='1.0'?>\n<!DOCTYPE rss [<!ENTITY a \"]>\">]>\n<rss/>", "feed"),
    (FIXTURE.urlset(("/pages/1.html",)), "sitemap"),
    (FIXTURE.index(["/s.xml"]), "sitemap"),
    ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', None),  # not RSS
    ("<!doctype html><html><body><rss>in a page</rss></body></html>", None),
    ("<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'/>", None),
    ("rss, urlset and feed are words", None),
    ("<?xml version='1.0'?><!-- a comment that never ends", None),
])
def test_documents_are_known_by_their_first_element(head: str, kind: str | None) -> None:
    assert sniff_document(head.encode("utf-8")) == kind


@pytest.mark.parametrize(("content_type", "dom", "plain"), [
    (b"text/xml", b"<html><head><style id='xml-viewer-style'>", True),
    (b"application/rss+xml; charset=utf-8", b"<html><body><pre>&lt;rss", True),
    (b"text/html", b"<html><head></head><body><rss version='2.0'><channel>", True),
    (b"text/html", b"<html><head></head><body>\n<URLSET xmlns='x'>", True),
    (b"application/xhtml+xml", b"<html><body><p>a page</p>", False),
    (b"text/html", b"<html><body><p>&lt;rss&gt; is a format</p>", False),
])
def test_a_rendered_feed_or_sitemap_is_recognised(content_type: bytes, dom: bytes,
                                                  plain: bool) -> None:
    assert rendered_document(content_type, dom) is plain


def test_a_gzipped_sitemap_is_unpacked_and_other_gzip_is_left_alone() -> None:
    sitemap = FIXTURE.urlset(("/pages/1.html",)).encode()
    document = read_document(gzip.compress(sitemap), max_bytes=1 << 20)
    assert document is not None and document.kind == "sitemap" and document.body == sitemap
    assert read_document(gzip.compress(b"\x00tar archive" * 100), max_bytes=1 << 20) is None
    assert read_document(b"\x1f\x8b\x08garbage", max_bytes=1 << 20) is None
    assert read_document(b"\xff\xd8\xff\xe0 a jpeg", max_bytes=1 << 20) is None


def test_a_gzip_bomb_stops_at_the_page_cap_with_one_error() -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 100_000  # 64 MB in under 100 kB
    tracemalloc.start()
    started = time.monotonic()
    document = read_document(bomb, max_bytes=5 * 1024 * 1024)
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert document is not None and document.kind == "sitemap" and document.body == b""
    assert document.error == ("gzip: unpacks to more than 5242880 bytes (crawl.max_page_bytes); "
                              "not read")
    assert peak < 30 * 1024 * 1024  # a few times the cap, never the 64 MB
    assert seconds < 10


def test_a_truncated_gzip_sitemap_is_read_as_far_as_it_goes() -> None:
    sitemap = gzip.compress(FIXTURE.urlset(("/pages/1.html",)).encode() + b" " * 10_000)
    document = read_document(sitemap[:-30], max_bytes=1 << 20)
    assert document is not None and document.error is None and b"<urlset" in document.body


def test_sitemap_entries_keep_lastmod_and_extension_media() -> None:
    text = FIXTURE.urlset(("/pages/1.html", "/pages/2.html", "/pages/undated.html"))
    document = parse_sitemap(text.encode(), f"{BASE}/sitemaps/pages.xml")
    assert document.kind == "urlset" and document.error is None
    entries = {e.url: e for e in document.entries}
    assert entries[f"{BASE}/pages/1.html"].lastmod == DAY
    assert entries[f"{BASE}/pages/2.html"].media == (f"{BASE}/m/a2-sitemap.jpg",)
    assert entries[f"{BASE}/pages/undated.html"].lastmod is None


def test_video_sitemap_content_thumbnail_and_player() -> None:
    text = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"><url>'
            "<loc>/v/1.html</loc><video:video><video:thumbnail_loc>/t/1.jpg</video:thumbnail_loc>"
            "<video:title>t</video:title><video:content_loc>/v/1.mp4</video:content_loc>"
            "<video:player_loc>/player?v=1</video:player_loc></video:video></url></urlset>")
    [entry] = parse_sitemap(text.encode(), f"{BASE}/video.xml").entries
    assert entry.url == f"{BASE}/v/1.html"
    assert entry.media == (f"{BASE}/t/1.jpg", f"{BASE}/v/1.mp4")
    assert entry.pages == (f"{BASE}/player?v=1",)


def test_a_sitemap_index_lists_child_sitemaps() -> None:
    document = parse_sitemap(FIXTURE.index(["/a.xml", "/b.xml.gz"]).encode(), BASE)
    assert document.kind == "sitemapindex"
    assert [e.url for e in document.entries] == [f"{BASE}/a.xml", f"{BASE}/b.xml.gz"]
    assert document.entries[0].lastmod == datetime(2024, 5, 6, tzinfo=UTC)


def test_broken_sitemaps_give_what_was_recovered_and_one_error() -> None:
    broken = b"<urlset><url><loc>http://x/1</loc></url><url><loc>http://x/2</loc></url><url><lo"
    document = parse_sitemap(broken, BASE)
    assert [e.url for e in document.entries][:2] == ["http://x/1", "http://x/2"]
    assert document.error is not None and document.error.startswith("malformed XML at line 1:")
    assert (parse_sitemap(b"", BASE).error or "").startswith("not XML")
    assert parse_sitemap(b"<html/>", BASE).error == "not a sitemap (root element <html>)"


def test_xxe_and_entity_expansion_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-7d1f")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>')
    laughs = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
                        for p, n in zip("abcdefgh", "bcdefghi", strict=True)) + "]>")
    for doctype, entity in ((xxe, "&xxe;"), (laughs, "&i;")):
        sitemap = f"{doctype}<urlset><url><loc>http://x/{entity}</loc></url></urlset>"
        started = time.monotonic()
        parsed = parse_sitemap(sitemap.encode(), BASE)
        assert [e.url for e in parsed.entries] == ["http://x/"]
        feed = (f"{doctype}<rss version='2.0'><channel><item><title>{entity}</title>"
                f"<link>http://x/p</link><description>{entity}</description></item></channel></rss>")
        entries = parse_feed(feed.encode(), f"{BASE}/feed").entries
        assert time.monotonic() - started < 5
        assert "CANARY" not in repr(parsed) + repr(entries)
        assert "aaaaaaaaaa" * 3 not in repr(entries)


def test_feedparser_is_never_handed_a_file_name(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text("<rss version='2.0'><channel><item><link>http://x/CANARY</link></item>"
                      "</channel></rss>")
    document = parse_feed(str(secret).encode(), f"{BASE}/feed")
    assert document.entries == [] and document.error is not None


def test_rss_entries_give_their_page_and_media() -> None:
    document = parse_feed(FIXTURE.rss().encode(), f"{BASE}/feed.rss", "text/html")
    assert document.error is None
    entries = {e.link: e for e in document.entries}
    assert list(entries) == [f"{BASE}/posts/{n}.html" for n in (1, 2, 3)]
    assert all(e.updated == DAY for e in document.entries)
    # image enclosure and thumbnail; the audio enclosure is left out
    assert entries[f"{BASE}/posts/3.html"].media().urls == (f"{BASE}/m/encl.jpg",
                                                            f"{BASE}/m/thumb.jpg")


def test_atom_entries_and_images_in_their_html() -> None:
    document = parse_feed(FIXTURE.atom().encode(), f"{BASE}/feed.atom")
    first, second = document.entries
    assert first.link == f"{BASE}/threads/1.html"
    assert first.media().urls == (f"{BASE}/m/inline.jpg",)
    assert second.link == f"{BASE}/threads/2.html" and second.media().urls == ()
    assert first.updated == DAY


def test_rss1_rdf_and_media_rss_content() -> None:
    rdf = ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
           ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
           ' xmlns:media="http://search.yahoo.com/mrss/">'
           '<channel rdf:about="http://x/"><title>t</title></channel>'
           '<item rdf:about="http://x/1"><title>one</title><link>http://x/1</link>'
           "<dc:date>2024-05-06T10:00:00Z</dc:date>"
           '<media:content url="http://x/v.mp4" medium="video"/>'
           '<media:content url="http://x/a.mp3" medium="audio"/></item></rdf:RDF>')
    [entry] = parse_feed(rdf.encode(), "http://x/rdf").entries
    assert entry.link == "http://x/1" and entry.updated == DAY
    assert entry.media().urls == ("http://x/v.mp4",)


def test_entry_media_are_capped_like_a_page() -> None:
    images = "".join(f'&lt;img src="/m/{n}.jpg"&gt;' for n in range(30))
    feed = (f"<rss version='2.0'><channel><item><link>{BASE}/p</link>"
            f"<description>{images}</description></item></channel></rss>")
    [entry] = parse_feed(feed.encode(), BASE).entries
    media = entry.media(ExtractLimits(max_media=10))
    assert len(media.urls) == 10 and media.media_cut == 20


def test_a_broken_feed_gives_what_was_recovered_and_one_error() -> None:
    broken = (b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>a</title>"
              b"<link>http://x/1</link></item><item><link>http://x/2</li")
    document = parse_feed(broken, "http://x/feed")
    assert document.entries[0].link == "http://x/1"
    assert document.error is not None and document.error.startswith("malformed feed:")


def test_robots_txt_names_sitemaps() -> None:
    robots = b"User-agent: *\nDisallow: /x\nSitemap: /sitemap_index.xml\nsitemap: https://o/s.xml\n"
    assert sitemaps_in_robots(robots, f"{BASE}/robots.txt") == [
        f"{BASE}/sitemap_index.xml", "https://o/s.xml"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-06", datetime(2024, 5, 6, tzinfo=UTC)),
    ("2024-05-06T19:00:00+09:00", DAY),
    ("2024-05-06T10:00:00Z", DAY),
    ("2024-05-06T10:00:00", DAY),
    ("yesterday", None), ("", None), (None, None),
])
def test_w3c_dates(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_a_mark_is_written_only_for_an_entry_read_in_full() -> None:
    later = datetime(2024, 6, 1, tzinfo=UTC)
    marks = EntryMarks({mark_key("sitemap", "http://x/1"): "2024-05-06T10:00:00+00:00"})
    assert marks.unchanged("sitemap:http://x/1", DAY)
    assert not marks.unchanged("sitemap:http://x/1", later)
    assert not marks.unchanged("sitemap:http://x/1", None)  # undated: always crawled
    assert not marks.unchanged("sitemap:http://x/new", DAY)
    for n in (1, 2, 3, 4):
        marks.expect(f"sitemap:http://x/{n}", later, f"http://x/{n}")
    marks.reached("sitemap:http://x/1", "http://x/1")
    marks.reached("sitemap:http://x/2", "http://x/2", "http://x/2-moved")
    marks.incomplete("http://x/2-moved")  # a media of the page failed
    marks.reached("sitemap:http://x/4", "http://x/4")
    marks.incomplete("http://x/4")  # an enclosure of the entry failed
    # 3 was never read (its page failed, or the crawl ended first)
    assert marks.finished() == {"sitemap:http://x/1": "2024-06-01T00:00:00+00:00"}
