"""Fuzz `crawlers.extract.extract_page`: any bytes as a page must give only fetchable http(s)
URLs of bounded length, and never raise (a page that cannot be parsed yields nothing).

Run: python -m tests.fuzz.fuzz_extract [libFuzzer flags] WORK_DIR SEED_DIR...
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import atheris

with atheris.instrument_imports():
    from crawlers.extract import extract_page

PAGE_URL = "http://example.org/dir/page.html"


def one_input(data: bytes) -> None:
    encoding = ("utf-8", "latin-1", "utf-16")[len(data) % 3]  # a page's bytes, as any charset
    html = data.decode(encoding, errors="replace")
    found = extract_page(html, PAGE_URL)
    for url in [*found.media, *found.links, *([found.next_page] if found.next_page else [])]:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 4096:
            raise AssertionError(f"extractor returned an unfetchable URL: {url[:200]!r}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
