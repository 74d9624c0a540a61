"""The lower-cased path of a URL as written in a page, for extension checks.

Page text is hostile: `urlsplit` raises `ValueError` on a netloc with an unmatched `[` or `]`
("Invalid IPv6 URL"), and a fuzzed page found that through a player attribute. Every extension
test on raw page text goes through `lower_path`, which treats such a URL as having no path, so
it is simply not media; resolving it (`crawlers.extract._absolute`) drops it too.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def lower_path(url: str) -> str:
    """The URL's path, lower-cased; empty when the URL cannot be split."""
    try:
        return urlsplit(url).path.lower()
    except ValueError:
        return ""


def last_segment(url: str) -> str:
    """The last `/` segment of the URL's lower-cased path (the file name, if any)."""
    return lower_path(url).rsplit("/", 1)[-1]
