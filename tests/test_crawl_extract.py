"""Unit tests for crawlers.extract: every markup that can hide media, links and pagination."""

from __future__ import annotations

import pytest

from crawlers.extract import css_urls, extract_page, is_media_url, parse_srcset

PAGE = "http://site.test/dir/page.html"


def media(html: str, url: str = PAGE) -> list[str]:
    return extract_page(html, url).media


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<img src="a.jpg">', ["http://site.test/dir/a.jpg"]),
        ('<img src="data:image/gif;base64,R0lG" data-src="/lazy.jpg">', ["http://site.test/lazy.jpg"]),
        ('<img data-original="o.png">', ["http://site.test/dir/o.png"]),
        ('<img data-lazy-src="//cdn.test/l.jpg">', ["http://cdn.test/l.jpg"]),
        ('<div class="lazy" data-src="/div.jpg"></div>', ["http://site.test/div.jpg"]),
        ('<video src="/v.mp4" poster="/p.jpg"></video>',
         ["http://site.test/v.mp4", "http://site.test/p.jpg"]),
        ('<video><source src="/s.webm" type="video/webm"></video>', ["http://site.test/s.webm"]),
        ('<meta property="og:image" content="/og.jpg">', ["http://site.test/og.jpg"]),
        ('<meta property="og:image:secure_url" content="https://site.test/og2.jpg">'
         '<meta property="og:image:width" content="300">', ["https://site.test/og2.jpg"]),
        ('<meta property="og:video" content="/ogv.mp4">', ["http://site.test/ogv.mp4"]),
        ('<meta name="twitter:image" content="/tw.jpg">', ["http://site.test/tw.jpg"]),
        ('<a href="/full/Photo.JPEG?x=1">full size</a>', ["http://site.test/full/Photo.JPEG?x=1"]),
        ('<a href="/clip.mp4#t=3">clip</a>', ["http://site.test/clip.mp4"]),
    ],
)
def test_each_markup_kind_yields_its_media(html: str, expected: list[str]) -> None:
    assert media(html) == expected


def test_srcset_keeps_every_candidate_including_data_srcset_and_picture_sources() -> None:
    html = (
        '<img src="s.jpg" srcset="s-480.jpg 480w, s-960.jpg 960w, s-1920.jpg 1920w">'
        '<img data-srcset="d1.jpg 1x,d2.jpg 2x">'
        '<picture><source srcset="/p.webp 1x, /p@2x.webp 2x" type="image/webp">'
        '<source media="(min-width: 800px)" srcset="/wide.jpg"><img src="/p.jpg"></picture>'
    )
    assert media(html) == [
        "http://site.test/dir/s.jpg", "http://site.test/dir/s-480.jpg",
        "http://site.test/dir/s-960.jpg", "http://site.test/dir/s-1920.jpg",
        "http://site.test/dir/d1.jpg", "http://site.test/dir/d2.jpg",
        "http://site.test/p.webp", "http://site.test/p@2x.webp", "http://site.test/wide.jpg",
        "http://site.test/p.jpg",
    ]


def test_css_backgrounds_in_style_attributes_and_style_blocks() -> None:
    html = (
        "<style>.hero { background-image: url('/hero.jpg') } "
        "@font-face { src: url(/font.woff2) } @import url(\"/extra.css\");</style>"
        '<div style="background: #000 url(&quot;bg.png&quot;) no-repeat">x</div>'
        "<span style='background-image:url(  /unquoted.webp  )'></span>"
    )
    assert sorted(media(html)) == [
        "http://site.test/dir/bg.png", "http://site.test/hero.jpg", "http://site.test/unquoted.webp",
    ]


def test_audio_is_ignored() -> None:
    html = '<audio src="/a.mp3"><source src="/a.ogg"></audio><img src="/keep.jpg">'
    assert media(html) == ["http://site.test/keep.jpg"]


def test_base_href_is_honoured_and_unfetchable_schemes_dropped() -> None:
    html = (
        '<head><base href="/assets/"></head><img src="x.jpg"><img src="data:image/png;base64,AA">'
        '<img src="javascript:alert(1)"><img src="mailto:a@b.c"><a href="y.html">y</a>'
    )
    found = extract_page(html, PAGE)
    assert found.media == ["http://site.test/assets/x.jpg"]
    assert found.links == ["http://site.test/assets/y.html"]


def test_duplicates_are_removed_in_document_order() -> None:
    html = '<img src="/a.jpg"><img src="/a.jpg#frag"><a href="/a.jpg">a</a><img srcset="/a.jpg 2x">'
    assert media(html) == ["http://site.test/a.jpg"]


def test_links_exclude_media_files_and_include_frames() -> None:
    html = (
        '<a href="/next.html">n</a><a href="/file.png">f</a><a href="#top">t</a>'
        '<iframe src="/player.html"></iframe><area href="/map.html"><a href="ftp://x/y">x</a>'
    )
    assert sorted(extract_page(html, PAGE).links) == [
        "http://site.test/dir/page.html", "http://site.test/map.html", "http://site.test/next.html",
        "http://site.test/player.html",
    ]


def test_pagination_prefers_rel_next_then_a_next_labelled_link() -> None:
    with_rel = (
        '<a href="/p/9">next</a><link rel="Next" href="/p/2">'
        '<a rel="nofollow next" href="/p/3">3</a>'
    )
    assert extract_page(with_rel, PAGE).next_page == "http://site.test/p/2"
    assert extract_page(with_rel, PAGE).next_by_rel
    anchor_rel = '<a href="/x">x</a><a rel="next nofollow" href="/p/3">3</a>'
    assert extract_page(anchor_rel, PAGE).next_page == "http://site.test/p/3"
    labelled = '<a href="/p/1">1</a><a href="/p/2"> Next </a>'
    assert extract_page(labelled, PAGE).next_page == "http://site.test/p/2"
    assert not extract_page(labelled, PAGE).next_by_rel  # guessed, not declared
    assert extract_page('<a href="/p/1">1</a>', PAGE).next_page is None


@pytest.mark.parametrize(
    "html",
    ["", "\x00\x00", "<<<>>>", "<img src=", "<img src='http://[::1'>", "&#0;&#xD800;" * 10,
     "<svg><script>alert(1)</script></svg>", "<html>" + "<div>" * 5000, "<" * 100_000,
     # found by the fuzzer: an unmatched bracket in a host, in a player attribute and a style
     '<video data-x="http://cdn.ex sr]=dv.mpd0"></video>', '<div data-hls="http://a]b/x"></div>',
     "<p style=\"background:url('http://a[b/x.jpg')\"></p>"],
)
def test_hostile_or_broken_html_never_raises(html: str) -> None:
    found = extract_page(html, PAGE)
    assert found.media == [] and found.next_page is None


def test_media_nested_deeper_than_the_parser_allows_is_still_found() -> None:
    html = "<body>" + "<div>" * 5000 + '<img src="/deep.jpg"><audio><source src="/a.ogg"></audio>'
    assert media(html) == ["http://site.test/deep.jpg"]


def test_srcset_splitting_follows_the_html_rules() -> None:
    assert parse_srcset(" a.jpg 1x,b.jpg  2x , c,d.jpg 100w, e.jpg (x, y), f.jpg,") == [
        "a.jpg", "b.jpg", "c,d.jpg", "e.jpg", "f.jpg",
    ]
    assert parse_srcset(" , ,") == []


def test_css_url_forms() -> None:
    assert css_urls("a{b:url(x.jpg)} c{d:url('y.png')} e{f:URL(\"z.gif\")} g{src:url(f.ttf)}") == [
        "x.jpg", "y.png", "z.gif",
    ]


def test_is_media_url_by_extension_only() -> None:
    assert is_media_url("http://h/a/b.WEBP?size=2")
    assert is_media_url("http://h/v.mov")
    assert not is_media_url("http://h/jpg/")
    assert not is_media_url("http://h/page.html")
    assert not is_media_url("http://h/a.jpg/view")
    assert not is_media_url("http://h]x/a.jpg")  # unsplittable: not media, and no error
