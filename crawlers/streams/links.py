"""Find HLS and DASH playlists a page hands to its video player rather than to a `<video>` tag.

Players (video.js, JW Player, hls.js, Plyr, Clappr, dash.js) are configured from inline scripts
or JSON attributes: `{"file": "…/master.m3u8"}`, `data-setup='{"sources": [{"src": "…"}]}'`,
`hls: "…"`, `"dashUrl": "…"`. Scripts are not run; these are read as text. A quoted string that
ends in `.m3u8` or `.mpd` (JSON's escaped `\\/` undone) is a playlist wherever it appears, and so
is the value of an `hls…`/`dash…`/`m3u8`/`mpd` key even without that extension: the crawler
sniffs what it fetches, so a wrong guess costs one request and a recorded "not media" error.

Pure text functions, like `crawlers.extract`, which adds what they find to a page's media URLs
(and so to its `crawl.max_media_per_page` cap).
"""

from __future__ import annotations

import re

from parsel import Selector

from crawlers.urltext import last_segment

STREAM_EXTENSIONS = frozenset({"m3u8", "mpd"})
_QUOTED_PLAYLIST = re.compile(
    r"""["']([^"'\s<>]{1,2048}?\.(?:m3u8|mpd)(?:\?[^"'\s<>]{0,1024})?)["']""", re.IGNORECASE)
_PLAYER_KEY = re.compile(
    r"""["']?\b(?:hls|dash)(?:[_-]?(?:url|src|source|manifest|playlist|stream))?["']?\s*:\s*"""
    r"""["']([^"'\s<>]{1,2048})["']"""
    r"""|["']?\b(?:m3u8|mpd)["']?\s*:\s*["']([^"'\s<>]{1,2048})["']""",
    re.IGNORECASE)
_MAX_TEXT = 2 * 1024 * 1024  # per script or attribute: a player config is a few kilobytes
# Elements with an attribute that names a playlist or carries a player's configuration.
_CONFIG_ATTRIBUTES = ("data-setup", "data-config", "data-hls", "data-dash")
_ELEMENTS = ("//*[@*[contains(translate(., 'M3UPD', 'm3upd'), '.m3u8')"
             " or contains(translate(., 'MPD', 'mpd'), '.mpd')"
             + "".join(f" or starts-with(name(), '{a}')" for a in _CONFIG_ATTRIBUTES) + "]]")


def is_stream_url(url: str) -> bool:
    """Whether the URL's path ends in `.m3u8` or `.mpd` (an HLS or DASH playlist)."""
    name = last_segment(url)
    return "." in name and name.rsplit(".", 1)[-1] in STREAM_EXTENSIONS


def player_stream_urls(selector: Selector) -> list[str]:
    """Playlist URLs (as written: relative ones are the caller's to resolve) named by the page's
    inline scripts and player attributes, in document order."""
    found: list[str] = []
    for script in selector.xpath("//script[not(@src)]/text()").getall():
        found.extend(stream_urls_in_text(script))
    for element in selector.xpath(_ELEMENTS):
        attributes = getattr(element.root, "attrib", {})
        for name, value in attributes.items():
            name, value = str(name).lower(), str(value).strip()
            if is_stream_url(value) or (name.startswith(("data-hls", "data-dash"))
                                        and "{" not in value):
                found.append(value)
            elif name.startswith(_CONFIG_ATTRIBUTES) or ".m3u8" in value.lower() \
                    or ".mpd" in value.lower():
                found.extend(stream_urls_in_text(value))
    return list(dict.fromkeys(u for u in found if u))


def stream_urls_in_text(text: str) -> list[str]:
    """Playlist URLs in a script or JSON text: quoted `.m3u8`/`.mpd` strings and the values of
    `hls`/`dash`-style keys."""
    text = text[:_MAX_TEXT].replace("\\/", "/").replace("\\u002F", "/").replace("\\u002f", "/")
    found = [m.group(1) for m in _QUOTED_PLAYLIST.finditer(text)]
    for match in _PLAYER_KEY.finditer(text):
        value = match.group(1) or match.group(2)
        if value and ("/" in value or "?" in value):  # an address, not a flag such as "auto"
            found.append(value)
    return found
