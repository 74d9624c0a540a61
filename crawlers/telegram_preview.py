"""Read one page of a public Telegram channel's web preview (`https://t.me/s/<channel>`).

A public channel's preview is plain HTML that anyone can open without an account: a page of
posts (`.tgme_widget_message` with `data-post="<channel>/<id>"`), oldest at the top, and a
"more" link (`a.tme_messages_more[data-before]`) to the posts before the page's oldest one.
Its media is not in `<img>` tags, so the generic extractor would miss most of it:

- photos are the CSS `background-image` of `a.tgme_widget_message_photo_wrap` (an album is a
  `.tgme_widget_message_grouped_wrap` holding several of them, under the album's first post);
- a video is `video.tgme_widget_message_video[src]` inside `.tgme_widget_message_video_player`;
  a video too big for the preview ("view in Telegram") has no `<video>`, only its thumbnail
  (`.tgme_widget_message_video_thumb`), which is taken as an image instead: one frame, but a
  frame a face can be found in, attributed to the post that holds the whole video;
- round videos (`.tgme_widget_message_roundvideo_player`) likewise, with their thumbnail;
- a link preview's picture (`.link_preview_image`, `.link_preview_right_image`).

Channel avatars, emoji, stickers and documents are not taken: they are not what a post shows.

Pure functions over text, like `crawlers.extract`: no network, safe on broken or hostile HTML.
A post whose `data-post` cannot be read is named in `PreviewPage.problems` and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from parsel import Selector

from crawlers.extract import absolute_url, css_urls

MediaKind = Literal["photo", "video", "video_thumb", "link_preview"]
_DATA_POST = re.compile(r"^([A-Za-z][A-Za-z0-9_]{3,63})/([0-9]{1,15})$")
_PHOTOS = "a.tgme_widget_message_photo_wrap"
_PLAYERS = (".tgme_widget_message_video_player, .tgme_widget_message_roundvideo_player")
_PLAYER_VIDEO = "video.tgme_widget_message_video, video.tgme_widget_message_roundvideo, video"
_PLAYER_THUMB = ".tgme_widget_message_video_thumb, .tgme_widget_message_roundvideo_thumb"
_LOOSE_VIDEOS = "video.tgme_widget_message_video, video.tgme_widget_message_roundvideo"
_LINK_PREVIEW = ".link_preview_image, .link_preview_right_image"


@dataclass(frozen=True)
class PostMedia:
    url: str
    kind: MediaKind

    @property
    def is_video(self) -> bool:
        return self.kind == "video"


@dataclass(frozen=True)
class TelegramPost:
    channel: str  # as the preview spells it (Telegram names are case-insensitive)
    post_id: int
    posted_at: datetime | None
    media: tuple[PostMedia, ...] = ()

    def url(self, base_url: str) -> str:
        """The post's own address, `<base_url>/<channel>/<id>`: the page its media is shown on."""
        return f"{base_url.rstrip('/')}/{self.channel}/{self.post_id}"


@dataclass
class PreviewPage:
    posts: list[TelegramPost] = field(default_factory=list)  # by id, oldest first
    before: int | None = None  # the "more" link's id: the next (older) page is `?before=<it>`
    problems: list[str] = field(default_factory=list)  # one line per unreadable post


def preview_url(base_url: str, channel: str, before: int | None = None) -> str:
    """The preview page of `channel`, or of its posts before post `before`."""
    page = f"{base_url.rstrip('/')}/s/{channel}"
    return page if before is None else f"{page}?before={before}"


def parse_preview(html: str, page_url: str) -> PreviewPage:
    """The posts, their media and the pagination pointer of one preview page."""
    page = PreviewPage()
    try:
        selector = Selector(text=html.replace("\x00", ""), type="html")
    except Exception:  # lxml rejects some pathological input: such a page yields nothing
        page.problems.append("unreadable HTML")
        return page
    for message in selector.css(".tgme_widget_message[data-post]"):
        value = message.attrib.get("data-post", "").strip()
        found = _DATA_POST.match(value)
        if found is None:
            page.problems.append(f"post {value[:80]!r}: data-post is not <channel>/<id>")
            continue
        page.posts.append(TelegramPost(found.group(1), int(found.group(2)),
                                       _posted_at(message), tuple(_post_media(message, page_url))))
    page.posts.sort(key=lambda post: post.post_id)
    page.before = _before(selector)
    return page


def _posted_at(message: Selector) -> datetime | None:
    value = (message.css(".tgme_widget_message_date time::attr(datetime)").get()
             or message.css("time[datetime]::attr(datetime)").get() or "")
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _post_media(message: Selector, page_url: str) -> list[PostMedia]:
    found: list[PostMedia] = []
    for photo in message.css(_PHOTOS):
        found += _backgrounds(photo, page_url, "photo")
    for player in message.css(_PLAYERS):
        sources = [absolute_url(page_url, s)
                   for s in player.css(_PLAYER_VIDEO).xpath("@src").getall()]
        videos = [PostMedia(u, "video") for u in sources if u is not None]
        if videos:
            found += videos
        else:  # too big for the preview: its thumbnail is the one frame there is
            for thumb in player.css(_PLAYER_THUMB):
                found += _backgrounds(thumb, page_url, "video_thumb")
    for raw in message.css(_LOOSE_VIDEOS).xpath("@src").getall():  # a video outside a player
        url = absolute_url(page_url, raw)
        if url is not None:
            found.append(PostMedia(url, "video"))
    for preview in message.css(_LINK_PREVIEW):
        found += _backgrounds(preview, page_url, "link_preview")
    unique: dict[str, PostMedia] = {}
    for media in found:
        unique.setdefault(media.url, media)
    return list(unique.values())


def _backgrounds(element: Selector, page_url: str, kind: MediaKind) -> list[PostMedia]:
    urls = (absolute_url(page_url, raw) for raw in css_urls(element.attrib.get("style", "")))
    return [PostMedia(url, kind) for url in urls if url is not None]


def _before(selector: Selector) -> int | None:
    more = selector.css("a.tme_messages_more[data-before]::attr(data-before)").get()
    if more is None:  # older markup: only <link rel="prev" href="/s/<channel>?before=N">
        href = selector.css("link[rel=prev]::attr(href)").get() or ""
        more = (parse_qs(urlsplit(href).query).get("before") or [""])[0]
    more = more.strip()
    return int(more) if more.isdigit() and len(more) <= 15 else None
