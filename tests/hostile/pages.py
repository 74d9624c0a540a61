"""Hostile HTML and transfer encodings: pages built to trap an extractor or a downloader.

Every trap links somewhere under /h/ (404s, never media the corpus counts), so what matters is
that the crawl survives them in bounded time and memory, not what it fetches from them.
"""

from __future__ import annotations

import gzip
import random
import zlib

import brotli

from tests.crawl_site import Route, page


def _html(body: str, head: str = "") -> bytes:
    return page(body, head).body


def hostile_pages(rng: random.Random) -> dict[str, Route]:
    """Path -> Route for every hostile page (linked from the start page)."""
    pages: dict[str, Route] = {}
    words = " ".join(rng.choice(["lorem", "ipsum", "dolor", "<b>x</b>", "&amp;"]) for _ in range(9))
    pages["/h/huge.html"] = Route(_html(
        (f"<p>{words}</p>" * 60_000)[:4_500_000] + '<img src="/h/huge-end.jpg">'))
    pages["/h/deep.html"] = Route(_html("<div>" * 100_000 + '<img src="/h/deep.jpg">'))
    pages["/h/deep-unclosed-comment.html"] = Route(b"<html><body><!-- " + b"<img src=x>" * 50_000)
    pages["/h/links-100k.html"] = Route(_html(
        "".join(f'<a href="/h/trap/{n}">{n}</a>' for n in range(100_000))))
    pages["/h/srcset-flood.html"] = Route(_html(
        '<img srcset="' + ", ".join(f"/h/s/{n}.jpg {n + 1}w" for n in range(2_000)) + '">'))
    pages["/h/img-flood.html"] = Route(_html(
        "".join(f'<img src="/h/i/{n}.jpg">' for n in range(500))))
    pages["/h/css-flood.html"] = Route(_html(
        '<div style="' + "".join(f"background:url(/h/c/{n}.png);" for n in range(500)) + '">'))
    schemes = ["javascript:alert(1)", "data:image/png;base64," + "A" * 200_000,
               "JaVaScRiPt:void(0)", " javascript:x", "vbscript:x", "file:///etc/passwd",
               "ftp://127.0.0.1/x.jpg", "http://[::1]/x.jpg", "http://0x7f000001/x.jpg",
               "http://169.254.169.254/latest/meta-data/x.jpg", "http://%00/x.jpg",
               "http://" + "a" * 70_000 + ".example/x.jpg", "//evil.invalid/x.jpg",
               "http://[::ffff:127.0.0.1]/x.jpg", "http://2130706433/x.jpg", "\x00\x01\x02"]
    refs = "".join(f'<img src="{u}"><a href="{u}">l</a><img srcset="{u} 2x">'
                   f'<video src="{u}"></video><div style="background:url({u})"></div>'
                   for u in schemes)
    pages["/h/schemes.html"] = Route(_html(refs))
    for n, base in enumerate(["javascript:alert(1)//", "data:text/html,x", "http://169.254.169.254/",
                              "//evil.invalid/", "http://[::1]:1/", "", "/h/%ff%fe/",
                              "http://" + "b" * 5000 + ".invalid/"]):
        pages[f"/h/base-{n}.html"] = Route(_html(
            '<img src="a.jpg"><a href="next.html">next</a><img srcset="b.jpg 1x, c.jpg 2x">',
            f'<base href="{base}"><base href="http://127.0.0.2/">'))
    pages.update(_bad_encodings(rng))
    return pages


def _bad_encodings(rng: random.Random) -> dict[str, Route]:
    body = '<p>한국어 テキスト</p><img src="/h/enc.jpg">'
    random_bytes = bytes(rng.randrange(256) for _ in range(200_000))
    return {
        "/h/enc-utf7.html": Route(_html(body).replace(b"<head>", b'<head><meta charset="utf-7">'),
                                  "text/html; charset=utf-7"),
        "/h/enc-unknown.html": Route(_html(body).replace(b"<head>", b'<head><meta charset="x-no">'),
                                     "text/html; charset=x-nonexistent-\xff"),
        "/h/enc-invalid-utf8.html": Route(b"<html><body>\xff\xfe\xc3(\xa0\xa1" + body.encode()
                                          + b"\xed\xa0\x80</body></html>"),
        "/h/enc-utf16-bom-lie.html": Route(b"\xff\xfe" + _html(body), "text/html; charset=utf-8"),
        "/h/enc-utf32.html": Route(_html(body).decode().encode("utf-32"),
                                   "text/html; charset=shift_jis"),
        "/h/enc-random.html": Route(random_bytes),
        "/h/enc-nul.html": Route(b"\x00" * 100_000 + _html(body)),
    }


_MB = 1024 * 1024


def _gzip_stream(chunk: bytes, times: int) -> bytes:
    """gzip of `chunk` repeated `times` times, without holding the expanded bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(packer.compress(chunk) for _ in range(times)) + packer.flush()


def _brotli_stream(chunk: bytes, times: int) -> bytes:
    packer = brotli.Compressor(quality=5)
    return b"".join(packer.process(chunk) for _ in range(times)) + packer.finish()


def encoding_bombs(payload_image: bytes) -> dict[str, Route]:
    """gzip and brotli bombs (Content-Encoding) for media and pages, plus honest and broken ones."""
    gzip_bomb = _gzip_stream(b"\x00" * _MB, 256)
    brotli_bomb = _brotli_stream(b"\x00" * _MB, 1024)
    html_bomb = _gzip_stream(b"<div>" * (_MB // 5), 100)
    gz = {"Content-Encoding": "gzip"}
    br = {"Content-Encoding": "br"}
    return {
        "/z/gzip-bomb.jpg": Route(gzip_bomb, "image/jpeg", headers=gz),
        "/z/brotli-bomb.jpg": Route(brotli_bomb, "image/jpeg", headers=br),
        "/z/gzip-gzip-bomb.png": Route(gzip.compress(gzip_bomb, 9), "image/png",
                                       headers={"Content-Encoding": "gzip, gzip"}),
        "/z/honest-gzip.jpg": Route(gzip.compress(payload_image), "image/jpeg", headers=gz),
        "/z/honest-brotli.jpg": Route(brotli.compress(payload_image), "image/jpeg", headers=br),
        "/z/broken-gzip.jpg": Route(gzip.compress(payload_image)[:-20] + b"junk", "image/jpeg",
                                    headers=gz),
        "/z/lying-encoding.jpg": Route(payload_image, "image/jpeg", headers=br),
        "/z/unknown-encoding.jpg": Route(payload_image, "image/jpeg",
                                         headers={"Content-Encoding": "x-evil"}),
        "/z/html-bomb.html": Route(html_bomb, headers=gz),
        "/z/html-brotli-bomb.html": Route(brotli_bomb, headers=br),
    }
