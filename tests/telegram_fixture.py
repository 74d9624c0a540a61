"""A local copy of a public Telegram channel's web preview, generated at test time.

The pages follow the markup of `https://t.me/s/<channel>` (posts as `.tgme_widget_message`
with `data-post`, photos as CSS backgrounds, albums as a grouped layer, videos in a player,
"media is too big" videos as a thumbnail only, a "more" link with `data-before`), and page
backwards as the preview does: `?before=N` shows the `PAGE_SIZE` newest posts older than N.
Media lives on a second host name of the same server (the "CDN"): `http://localhost:<port>`.

The channel (`CHANNEL`) holds neutral, licensed face photos only: the demo person (person_a_2,
in an album and, re-framed, as the thumbnail of a too-big video), other people, and the demo's
clip in which she appears from 0:02 to 0:04. Each post's avatar `<img>` must never be fetched.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from jikimi.demo.clip import letterbox, make_clip
from jikimi.demo.site import CLIP_SEGMENTS, photo_bytes
from tests.crawl_site import Route

CHANNEL = "share_channel"
PAGE_SIZE = 3
EPOCH = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Post:
    post_id: int
    text: str = ""
    photos: tuple[str, ...] = ()  # media names; several make an album (ids post_id, +1, …)
    video: str | None = None
    thumb: str | None = None  # the video's thumbnail; without `video`: too big for the preview

    @property
    def last_id(self) -> int:
        return self.post_id + max(len(self.photos), 1) - 1


def _jpeg(photo: bytes) -> bytes:
    """The photo re-framed as a 480x360 video frame, as a JPEG (a video's thumbnail)."""
    image = Image.fromarray(letterbox(photo, (480, 360)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def channel_media() -> dict[str, bytes]:
    """Every media file the channel shows, by name (served at `/file/<name>`)."""
    media = {name: photo_bytes(name) for name in
             ("person_a_2.jpg", "person_b_1.jpg", "person_b_2.jpg", "impostor_1.jpg",
              "impostor_2.jpg")}
    media["clip.mp4"] = make_clip([(photo_bytes(n), s) for n, s in CLIP_SEGMENTS])
    media["clip-thumb.jpg"] = _jpeg(photo_bytes("person_b_1.jpg"))  # the clip's first frame
    media["big-thumb.jpg"] = _jpeg(photo_bytes("person_a_2.jpg"))  # a too-big video's frame
    media["avatar.jpg"] = _jpeg(photo_bytes("impostor_2.jpg"))
    return media


def channel_posts() -> list[Post]:
    """Three pages: [10], [11, 12-14 (album), 15 (video)], [16, 17 (too big), 19]."""
    return [
        Post(10, "channel opened"),
        Post(11, photos=("person_b_2.jpg",)),
        Post(12, "three photos", photos=("person_b_1.jpg", "person_a_2.jpg", "impostor_1.jpg")),
        Post(15, "a clip", video="clip.mp4", thumb="clip-thumb.jpg"),
        Post(16, "words only"),
        Post(17, thumb="big-thumb.jpg"),
        Post(19, photos=("impostor_2.jpg",)),
    ]


@dataclass
class TelegramPreview:
    """Serves `/s/<channel>[?before=N]` and `/file/<name>`; `posts` and `media` may change."""

    base: str  # what the site definition's base_url points at
    cdn: str  # where media is served from (another host name of the same server)
    posts: list[Post] = field(default_factory=channel_posts)
    media: dict[str, bytes] = field(default_factory=channel_media)
    failing: set[int] = field(default_factory=set)  # `before=` values answered with HTTP 500
    failing_media: set[str] = field(default_factory=set)  # media names answered with HTTP 500
    slow: dict[int, float] = field(default_factory=dict)  # `before=` value -> seconds of delay

    def route(self, path: str) -> Route | None:
        parts = urlsplit(path)
        if parts.path.startswith("/file/"):
            name = parts.path.removeprefix("/file/")
            if name in self.failing_media:
                return Route(b"try later", "text/plain", 500)
            body = self.media.get(name)
            return None if body is None else Route(body, "application/octet-stream")
        if parts.path != f"/s/{CHANNEL}":
            return None
        before = parse_qs(parts.query).get("before", [""])[0]
        if before.isdigit() and int(before) in self.failing:
            return Route(b"server error", "text/plain", 500)
        number = int(before) if before.isdigit() else None
        return Route(self.page(number).encode(), delay=self.slow.get(number or 0, 0.0))

    def page(self, before: int | None = None) -> str:
        older = sorted((p for p in self.posts if before is None or p.post_id < before),
                       key=lambda p: p.post_id)
        shown, rest = older[-PAGE_SIZE:], older[:-PAGE_SIZE]
        more = ""
        if shown and rest:
            first = shown[0].post_id
            more = ('<div class="tgme_widget_message_centered js-messages_more_wrap">'
                    f'<a href="/s/{CHANNEL}?before={first}" class="tme_messages_more '
                    f'js-messages_more" data-before="{first}"></a></div>')
        widgets = "".join(self._widget(post) for post in shown)
        return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Share</title></head>'
                '<body class="widget_frame_base tgme_body"><main class="tgme_main">'
                f'<section class="tgme_channel_history js-message_history">{more}{widgets}'
                "</section></main></body></html>")

    def post_url(self, post_id: int) -> str:
        return f"{self.base}/{CHANNEL}/{post_id}"

    def media_url(self, name: str) -> str:
        return f"{self.cdn}/file/{name}"

    def _bg(self, name: str) -> str:
        return f"background-image:url('{self.media_url(name)}')"

    def _widget(self, post: Post) -> str:
        url = self.post_url(post.post_id)
        body = ""
        if len(post.photos) == 1:
            body += (f'<a class="tgme_widget_message_photo_wrap 5109473995509140547 1" '
                     f'style="width:800px;{self._bg(post.photos[0])}" href="{url}">'
                     '<div class="tgme_widget_message_photo" style="padding-top:75%"></div></a>')
        elif post.photos:
            items = "".join(
                '<a class="tgme_widget_message_photo_wrap grouped_media_wrap blured '
                f'js-message_photo" style="left:0px;top:0px;width:150px;{self._bg(name)}" '
                f'href="{self.post_url(post.post_id + n)}?single"></a>'
                for n, name in enumerate(post.photos))
            body += ('<div class="tgme_widget_message_grouped_wrap js-message_grouped_wrap" '
                     'data-margin-w="2" data-margin-h="2" style="width:453px;">'
                     '<div class="tgme_widget_message_grouped js-message_grouped">'
                     '<div class="tgme_widget_message_grouped_layer js-message_grouped_layer">'
                     f"{items}</div></div></div>")
        if post.video or post.thumb:
            thumb = (f'<i class="tgme_widget_message_video_thumb" style="{self._bg(post.thumb)}">'
                     "</i>" if post.thumb else "")
            inner = (f'<div class="tgme_widget_message_video_wrap"><video '
                     f'src="{self.media_url(post.video)}" class="tgme_widget_message_video '
                     'js-message_video" width="100%" height="100%"></video></div>'
                     if post.video else
                     '<div class="message_media_not_supported_wrap"><div class="message_media_'
                     'not_supported"><div class="message_media_not_supported_label">Media is '
                     'too big</div><span class="message_media_view_in_telegram">VIEW IN '
                     "TELEGRAM</span></div></div>")
            body += (f'<a class="tgme_widget_message_video_player js-message_video_player" '
                     f'href="{url}">{thumb}{inner}</a>')
        if post.text:
            body += (f'<div class="tgme_widget_message_text js-message_text" dir="auto">'
                     f"{escape(post.text)}</div>")
        when = (EPOCH + timedelta(hours=post.post_id)).isoformat()
        return (
            '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            '<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
            f'data-post="{CHANNEL}/{post.post_id}" data-view="x">'
            f'<div class="tgme_widget_message_user"><a href="{self.base}/{CHANNEL}">'
            '<i class="tgme_widget_message_user_photo bgcolor0" data-content="S">'
            f'<img src="{self.media_url("avatar.jpg")}"></i></a></div>'
            f'<div class="tgme_widget_message_bubble">{body}'
            '<div class="tgme_widget_message_footer compact js-message_footer">'
            '<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" '
            f'href="{url}"><time datetime="{when}" class="time">x</time></a></span></div>'
            "</div></div></div>")


def media_paths(names: Iterable[str]) -> set[str]:
    return {f"/file/{name}" for name in names}


def site_yaml(base: str, *, max_pages: int = 50, name: str = "share-channels") -> str:
    return (f"name: {name}\nkind: telegram\nchannels: [{CHANNEL}]\nbase_url: {base}\n"
            f"max_pages: {max_pages}\ndelay: 0\nconcurrency: 4\nschedule: \"*/30 * * * *\"\n")
