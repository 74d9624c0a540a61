"""Forum template rules one by one, on small pages: URL rewrites, links kept and dropped, caps."""

from __future__ import annotations

import pytest

from crawlers.extract import ExtractLimits
from crawlers.templates import TEMPLATES, TemplatePage, read_page, template_for
from crawlers.templates.base import drop_query, names_media

BASE = "http://forum.test/"


def refined(engine: str, body: str, url: str = BASE,
            limits: ExtractLimits | None = None) -> TemplatePage:
    html = f"<html><head></head><body>{body}</body></html>"
    return read_page(TEMPLATES[engine], html, url, limits)


def test_every_site_template_name_has_a_template() -> None:
    from typing import get_args

    from crawlers.sites import ForumTemplate
    assert set(get_args(ForumTemplate)) == set(TEMPLATES)
    assert template_for(None) is None
    with pytest.raises(ValueError, match="no forum template"):
        template_for("smf")


@pytest.mark.parametrize(("engine", "thumbnail", "full"), [
    ("phpbb", "http://f.test/download/file.php?id=5&t=1", "http://f.test/download/file.php?id=5"),
    ("phpbb", "http://f.test/download/file.php?id=5&mode=view",
     "http://f.test/download/file.php?id=5"),
    ("vbulletin", "http://f.test/attachment.php?attachmentid=9&stc=1&thumb=1&d=17",
     "http://f.test/attachment.php?attachmentid=9&stc=1&d=17"),
    ("vbulletin", "http://f.test/filedata/fetch?id=9&type=thumb",
     "http://f.test/filedata/fetch?id=9"),
    ("wordpress", "http://w.test/wp-content/uploads/2024/05/a-300x200.jpg",
     "http://w.test/wp-content/uploads/2024/05/a.jpg"),
    ("wordpress", "http://w.test/wp-content/uploads/2024/05/a-1920x1080-300x169.jpg",
     "http://w.test/wp-content/uploads/2024/05/a-1920x1080.jpg"),
    ("wordpress", "https://i0.wp.com/w.test/wp-content/uploads/a.jpg?resize=300%2C200&ssl=1",
     "https://i0.wp.com/w.test/wp-content/uploads/a.jpg"),
    ("wordpress", "http://w.test/wp-content/uploads/2024/05/a-scaled.jpg",
     "http://w.test/wp-content/uploads/2024/05/a-scaled.jpg"),
    ("wordpress", "http://w.test/images/a-300x200.jpg", "http://w.test/images/a-300x200.jpg"),
])
def test_thumbnail_urls_become_full_size(engine: str, thumbnail: str, full: str) -> None:
    assert TEMPLATES[engine].full_size(thumbnail) == full


def test_session_ids_are_dropped_and_bare_query_words_kept() -> None:
    phpbb, vbulletin = TEMPLATES["phpbb"], TEMPLATES["vbulletin"]
    assert phpbb.canonical(f"{BASE}viewforum.php?f=2&sid={'ab' * 16}") == f"{BASE}viewforum.php?f=2"
    assert vbulletin.canonical(f"{BASE}showthread.php?s={'0f' * 16}&101-title/page2") == \
        f"{BASE}showthread.php?101-title/page2"
    assert vbulletin.canonical(f"{BASE}search.php?s=tea") == f"{BASE}search.php?s=tea"
    assert drop_query(f"{BASE}a?x=1&y=2", {"z"}) == f"{BASE}a?x=1&y=2"


@pytest.mark.parametrize(("engine", "url", "followed"), [
    ("xenforo", "threads/search-tips.5/", True),
    ("xenforo", "members/alice.2/", False),
    ("xenforo", "threads/a.5/post-77", False),
    ("xenforo", "index.php?threads/a.5/page-2", True),
    ("xenforo", "index.php?login/", False),
    ("phpbb", "viewtopic.php?t=5&start=20", True),
    ("phpbb", "viewtopic.php?p=77", False),
    ("phpbb", "viewtopic.php?f=2&t=5&view=next", False),
    ("vbulletin", "showthread.php?101-title/page2", True),
    ("vbulletin", "forum/photos/101-title/page2", True),
    ("vbulletin", "showthread.php?101-title&p=77", False),
    ("discourse", "t/privacy-questions/12", True),
    ("discourse", "t/privacy/12", True),
    ("discourse", "t/privacy/12/3", False),
    ("discourse", "privacy", False),
    ("discourse", "u/alice/summary", False),
    ("wordpress", "2024/05/a-post/", True),
    ("wordpress", "2024/05/a-post/?replytocom=3", False),
    ("wordpress", "wp-login.php?action=lostpassword", False),
])
def test_links_followed_and_not(engine: str, url: str, followed: bool) -> None:
    assert TEMPLATES[engine].may_follow(BASE + url) is followed


def test_an_attachment_link_is_media_only_when_it_names_an_image_or_video() -> None:
    page = refined("xenforo", '<a href="/attachments/notes-pdf.7/">notes.pdf</a>'
                              '<a href="/attachments/scan.8/" title="scan.png">scan</a>'
                              '<a href="/attachments/beach-jpg.9/">beach</a>')
    assert page.links.media == [f"{BASE}attachments/scan.8/", f"{BASE}attachments/beach-jpg.9/"]
    assert page.links.links == []  # attachments are never pages
    assert names_media("clip.MP4") and not names_media("notes.pdf")


def test_a_link_around_a_thumbnail_gives_the_full_file_not_both() -> None:
    page = refined("discourse", '<a class="lightbox" href="/uploads/default/original/1X/ab.jpeg">'
                   '<img src="/uploads/default/optimized/1X/ab_2_345x431.jpeg" srcset="'
                   '/uploads/default/optimized/1X/ab_2_517x646.jpeg 1.5x"></a>'
                   '<a href="/t/other/5"><img src="/uploads/default/original/1X/cd.png"></a>')
    assert page.links.media == [f"{BASE}uploads/default/original/1X/ab.jpeg",
                                f"{BASE}uploads/default/original/1X/cd.png"]
    assert page.links.links == [f"{BASE}t/other/5"]


def test_wordpress_prefers_data_orig_file_and_drops_the_attachment_page() -> None:
    page = refined("wordpress", '<a href="/post/photo/"><img src="/u/p-240x300.jpg" '
                   'data-large-file="/u/p-616x768.jpg" data-orig-file="/u/p.jpg" '
                   'data-attachment-id="4"></a><img src="/u/q-240x300.jpg" '
                   'data-large-file="/u/q-616x768.jpg">')
    assert page.links.media == [f"{BASE}u/p.jpg", f"{BASE}u/q-616x768.jpg"]
    assert page.links.links == []
    assert page.thread  # a gallery page


def test_the_page_cap_still_holds_and_counts_what_it_cut() -> None:
    body = "".join(f'<a href="/download/file.php?id={n}">p{n}.jpg</a>' for n in range(6))
    page = refined("phpbb", '<img src="/i/a.jpg">' + body, limits=ExtractLimits(max_media=4))
    assert len(page.links.media) == 4 and page.links.media_cut == 3
    thumbnails = "".join(f'<a href="/download/file.php?id={n}&mode=view"><img src="/download/'
                         f'file.php?id={n}&t=1" srcset="/s/{n}a.jpg 1x, /s/{n}b.jpg 2x"></a>'
                         for n in range(5))
    page = refined("phpbb", thumbnails, limits=ExtractLimits(max_media=5))
    assert page.links.media == [f"{BASE}download/file.php?id={n}" for n in range(5)]
    assert page.links.media_cut == 0  # a thumbnail and its copies count once, as the file


def test_the_engine_next_link_is_declared_pagination() -> None:
    page = refined("xenforo", '<a href="/threads/a.5/page-2" class="pageNav-jump '
                              'pageNav-jump--next">Weiter</a>', url=f"{BASE}threads/a.5/")
    assert page.links.next_page == f"{BASE}threads/a.5/page-2" and page.links.next_by_rel
    guessed = refined("phpbb", '<a href="./ucp.php?mode=login">next</a>')
    assert guessed.links.next_page is None  # the generic guess, but a trap
