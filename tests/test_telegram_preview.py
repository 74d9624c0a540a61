"""Unit tests for reading a Telegram channel preview page and for a channel walk's end and mark."""

from __future__ import annotations

from datetime import timedelta

from crawlers.telegram_preview import PostMedia, TelegramPost, parse_preview, preview_url
from crawlers.telegram_walk import ChannelWalk, mark_key, read_mark
from tests.telegram_fixture import CHANNEL, EPOCH, TelegramPreview

BASE, CDN = "http://tme.test", "http://cdn.test"
PAGE = f"{BASE}/s/{CHANNEL}"


def fixture_page(before: int | None = None) -> str:
    return TelegramPreview(BASE, CDN, media={}).page(before)


def test_each_post_is_read_with_its_id_time_and_media_and_the_avatar_is_not() -> None:
    page = parse_preview(fixture_page(16), f"{PAGE}?before=16")
    assert [p.post_id for p in page.posts] == [11, 12, 15]
    single, album, video = page.posts
    assert single.media == (PostMedia(f"{CDN}/file/person_b_2.jpg", "photo"),)
    assert [m.url.rsplit("/", 1)[1] for m in album.media] == [
        "person_b_1.jpg", "person_a_2.jpg", "impostor_1.jpg"]  # every photo of the album
    assert video.media == (PostMedia(f"{CDN}/file/clip.mp4", "video"),)  # not its thumbnail
    assert video.posted_at == EPOCH + timedelta(hours=15)
    assert album.url(BASE + "/") == f"{BASE}/{CHANNEL}/12"
    assert not any("avatar" in m.url for p in page.posts for m in p.media)
    assert page.before == 11 and page.problems == []


def test_a_video_too_big_for_the_preview_yields_its_thumbnail_and_text_only_posts_nothing(
) -> None:
    page = parse_preview(fixture_page(), PAGE)
    posts = {p.post_id: p for p in page.posts}
    assert posts[17].media == (PostMedia(f"{CDN}/file/big-thumb.jpg", "video_thumb"),)
    assert not posts[17].media[0].is_video
    assert posts[16].media == ()
    assert page.before == 16


def test_the_first_page_of_a_channel_has_no_more_link() -> None:
    page = parse_preview(fixture_page(11), f"{PAGE}?before=11")
    assert [p.post_id for p in page.posts] == [10] and page.before is None


ROUND_AND_LINK = """
<link rel="prev" href="/s/other_chan?before=40">
<div class="tgme_widget_message js-widget_message" data-post="other_chan/41">
 <div class="tgme_widget_message_roundvideo_player js-message_roundvideo_player">
  <div class="tgme_widget_message_roundvideo_wrap">
   <i class="tgme_widget_message_roundvideo_thumb"
      style="background-image:url('//cdn.test/r.jpg')"></i>
   <video class="tgme_widget_message_roundvideo js-message_roundvideo"
      src="//cdn.test/r.mp4"></video>
  </div></div>
 <a class="tgme_widget_message_link_preview" href="https://news.test/a">
  <i class="link_preview_right_image" style="background-image:url(&quot;https://news.test/a.jpg&quot;)"></i></a>
 <i class="emoji" style="background-image:url('//telegram.test/img/emoji/40/F09F918D.png')"></i>
 <div class="tgme_widget_message_sticker_wrap"><i class="tgme_widget_message_sticker"
   style="background-image:url('/s.webp')"></i></div>
 <time datetime="not a time"></time>
</div>
<div class="tgme_widget_message" data-post="other_chan/42">
 <div class="tgme_widget_message_roundvideo_player"><i class="tgme_widget_message_roundvideo_thumb"
   style="background-image:url('/only-thumb.jpg')"></i></div>
 <a class="tgme_widget_message_photo_wrap" style="background-image:url('javascript:alert(1)')"></a>
</div>
<div class="tgme_widget_message" data-post="../../etc/passwd"></div>
<div class="tgme_widget_message" data-post="other_chan/abc"></div>
"""


def test_round_videos_link_previews_the_older_more_link_and_unreadable_posts() -> None:
    page = parse_preview(ROUND_AND_LINK, "https://tme.test/s/other_chan")
    first, second = page.posts
    assert first.media == (PostMedia("https://cdn.test/r.mp4", "video"),
                           PostMedia("https://news.test/a.jpg", "link_preview"))
    assert first.posted_at is None  # an unreadable time is left out, not guessed
    assert second.media == (PostMedia("https://tme.test/only-thumb.jpg", "video_thumb"),)
    assert page.before == 40  # from <link rel=prev> when there is no "more" link
    assert len(page.problems) == 2 and "../../etc/passwd" in page.problems[0]


def test_broken_or_empty_html_yields_nothing_and_no_exception() -> None:
    for html in ("", "<div", "\x00\x00", "<a class='tme_messages_more' data-before='x'></a>",
                 "<div class='tgme_widget_message' data-post='chan_name/1'>" * 200):
        page = parse_preview(html, PAGE)
        assert page.before is None
        assert all(p.media == () for p in page.posts)
    assert preview_url(BASE + "/", CHANNEL, 16) == f"{BASE}/s/{CHANNEL}?before=16"


def post(post_id: int) -> TelegramPost:
    return TelegramPost(CHANNEL, post_id, None)


def test_a_walk_ends_at_the_mark_the_first_post_or_max_pages_and_never_loops() -> None:
    walk = ChannelWalk(CHANNEL, mark=12, pages=1)
    assert [p.post_id for p in walk.read([post(11), post(12), post(15)])] == [15]
    assert walk.next_before([post(11), post(12), post(15)], 11, 50) is None
    assert walk.ended is not None and "12" in walk.ended
    fresh = ChannelWalk(CHANNEL, pages=1)
    assert fresh.next_before([post(16), post(19)], 16, 50) == 16
    fresh.pages = 2
    assert fresh.next_before([post(15)], 16, 50) is None  # a "more" link that does not go back
    assert fresh.ended is not None and "does not go back" in fresh.ended
    assert ChannelWalk(CHANNEL, pages=1).next_before([post(5)], None, 50) is None
    assert ChannelWalk(CHANNEL, pages=1).next_before([], 3, 50) is None
    limited = ChannelWalk(CHANNEL, mark=3, pages=2)
    limited.read([post(9)])
    assert limited.next_before([post(9)], 9, 2) is None
    gap = limited.gap()
    assert gap is not None and "max_pages (2)" in gap and "post 3" in gap


def test_the_new_mark_is_held_below_posts_not_fully_fetched_and_a_broken_walk_keeps_the_old(
) -> None:
    walk = ChannelWalk(CHANNEL, mark=10, ended="reached the channel's first post")
    walk.read([post(11), post(15), post(19)])
    assert walk.next_mark() == 19
    walk.held.add(15)
    assert walk.next_mark() == 14
    walk.held.add(11)
    assert walk.next_mark() is None  # 10: no move, nothing to write
    walk.held.clear()
    walk.broken = "page failed"
    assert walk.next_mark() is None
    assert ChannelWalk(CHANNEL, ended="no posts on the page").next_mark() is None
    assert ChannelWalk(CHANNEL).next_mark() is None  # never ended: nothing written
    assert mark_key("Share_Channel") == "telegram:share_channel"
    assert read_mark({"telegram:share_channel": "19"}, "SHARE_channel") == 19
    assert read_mark({"telegram:share_channel": "x"}, CHANNEL) is None
