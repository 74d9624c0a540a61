"""A generated site with an RSS 2.0 feed, an Atom feed and a sitemap index, for crawler tests.

Everything is text built at test time from templates (the gzipped sitemap and the gzip bomb are
compressed in memory); the photos are the demo's neutral, licensed portraits. The enrolled demo
person (`person_a_2.jpg`) appears on exactly one entry's page per start point: `/posts/2.html`
(RSS, an `<img>` on the page), `/threads/2.html` (Atom) and `/pages/2.html` (the sitemap: only
as that page's `<image:loc>`, the page itself shows no image). Strangers appear elsewhere.
`dates` holds each entry's `lastmod`/`updated`; change one and call `routes()` again.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from jikimi.demo.site import photo_bytes
from tests.crawl_site import Route, page

PERSON = "person_a_2.jpg"
DAY = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
PHOTOS = {  # media path -> demo photo
    "/m/b1.jpg": "person_b_1.jpg", "/m/a2.jpg": PERSON, "/m/encl.jpg": "impostor_1.jpg",
    "/m/thumb.jpg": "person_b_2.jpg", "/m/i2.jpg": "impostor_2.jpg",
    "/m/inline.jpg": "person_b_2.jpg", "/m/a2-sitemap.jpg": PERSON,
    "/m/undated.jpg": "impostor_1.jpg", "/m/p4.jpg": "person_b_1.jpg",
}
PAGES = {  # entry page path -> its HTML body
    "/posts/1.html": '<img src="/m/b1.jpg"><a href="/posts/deeper.html">more</a>',
    "/posts/2.html": '<p>a post</p><img src="/m/a2.jpg">',
    "/posts/3.html": "<p>an episode; its media are the feed's enclosures</p>",
    "/threads/1.html": "<p>a thread</p>",
    "/threads/2.html": '<img src="/m/a2.jpg">',
    "/pages/1.html": '<img src="/m/b1.jpg">',
    "/pages/2.html": "<p>a page whose photo only the image sitemap names</p>",
    "/pages/undated.html": '<img src="/m/undated.jpg">',
    "/pages/3.html": '<img src="/m/p4.jpg">',
    "/posts/deeper.html": '<img src="/m/thumb.jpg">',
}
SITEMAP_ENTRIES = ("/pages/1.html", "/pages/2.html", "/pages/undated.html")
GZIPPED_ENTRIES = ("/pages/3.html",)
TROUBLED_ENTRY = "/pages/troubled.html"  # its image answers 503: its mark is not written
BOMB_BYTES = 64 * 1024 * 1024  # what the gzip bomb unpacks to, past crawl.max_page_bytes (5 MB)


@dataclass
class SyndicatedSite:
    base: str
    troubles: bool = False  # add a gzip bomb, a broken sitemap and a failing image
    dates: dict[str, datetime | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in PAGES:
            self.dates.setdefault(path, None if "undated" in path else DAY)
        self.dates.setdefault(TROUBLED_ENTRY, DAY)

    def routes(self) -> dict[str, Route]:
        routes = {path: Route(photo_bytes(name), "image/jpeg") for path, name in PHOTOS.items()}
        routes |= {path: page(body) for path, body in PAGES.items()}
        routes["/m/talk.mp3"] = Route(b"ID3" + b"\x00" * 64, "audio/mpeg")
        routes["/feed.rss"] = Route(self.rss().encode(), "text/html")  # a wrong type: sniffed
        routes["/feed.atom"] = Route(self.atom().encode(), "application/atom+xml")
        children = ["/sitemaps/pages.xml", "/sitemaps/more.xml.gz"]
        routes["/sitemaps/pages.xml"] = Route(self.urlset(SITEMAP_ENTRIES).encode(),
                                              "application/xml")
        more = self.urlset(GZIPPED_ENTRIES + ((TROUBLED_ENTRY,) if self.troubles else ()))
        routes["/sitemaps/more.xml.gz"] = Route(gzip.compress(more.encode()),
                                                "application/x-gzip")
        if self.troubles:
            children += ["/sitemaps/bomb.xml.gz", "/sitemaps/broken.xml"]
            routes["/sitemaps/bomb.xml.gz"] = Route(gzip_bomb(BOMB_BYTES), "application/x-gzip")
            routes["/sitemaps/broken.xml"] = Route(
                b'<?xml version="1.0"?><urlset><url><loc>/posts/1.html</loc></url><url><lo',
                "application/xml")
            routes[TROUBLED_ENTRY] = page('<img src="/m/unavailable.jpg">')
            routes["/m/unavailable.jpg"] = Route(b"busy", "text/plain", 503)
        routes["/sitemap_index.xml"] = Route(self.index(children).encode(), "text/xml")
        routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\nSitemap: /sitemap_index.xml\n",
                                      "text/plain")
        return routes

    def rss(self) -> str:
        items = [
            self._item("/posts/1.html", "First post"),
            self._item("/posts/2.html", "Second post"),
            self._item("/posts/3.html", "An episode",
                       '<enclosure url="/m/encl.jpg" type="image/jpeg" length="1"/>'
                       '<enclosure url="/m/talk.mp3" type="audio/mpeg" length="1"/>'
                       '<media:thumbnail url="/m/thumb.jpg"/>'),
        ]
        return ('<?xml version="1.0" encoding="utf-8"?>'
                '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
                f"<title>Demo posts</title><link>{self.base}/</link>"
                f"<description>fixture</description>{''.join(items)}</channel></rss>")

    def atom(self) -> str:
        entries = [
            self._entry("/threads/1.html", "A thread",
                        '<content type="html">&lt;p&gt;look &lt;img src="/m/inline.jpg"&gt;'
                        "&lt;/p&gt;</content>"),
            self._entry("/threads/2.html", "Another thread", ""),
        ]
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f'<title>Demo threads</title><id>{self.base}/feed.atom</id>'
                f"<updated>{DAY.isoformat()}</updated>{''.join(entries)}</feed>")

    def urlset(self, paths: tuple[str, ...]) -> str:
        urls = []
        for path in paths:
            lastmod = self.dates.get(path)
            date = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
            image = ("<image:image><image:loc>/m/a2-sitemap.jpg</image:loc></image:image>"
                     if path == "/pages/2.html" else "")
            urls.append(f"<url><loc>{self.base}{path}</loc>{date}{image}</url>")
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
                f"{''.join(urls)}</urlset>")

    def index(self, children: list[str]) -> str:
        sitemaps = "".join(f"<sitemap><loc>{self.base}{c}</loc>"
                           f"<lastmod>{DAY.date().isoformat()}</lastmod></sitemap>"
                           for c in children)
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{sitemaps}</sitemapindex>")

    def _item(self, path: str, title: str, extra: str = "") -> str:
        when = self.dates[path]
        date = f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>" if when else ""
        return (f"<item><title>{title}</title><link>{self.base}{path}</link>"
                f"<guid>{self.base}{path}</guid>{date}{extra}</item>")

    def _entry(self, path: str, title: str, content: str) -> str:
        when = self.dates[path] or DAY
        return (f"<entry><title>{title}</title><link href=\"{self.base}{path}\"/>"
                f"<id>{self.base}{path}</id><updated>{when.isoformat()}</updated>{content}"
                "</entry>")


def gzip_bomb(unpacked: int) -> bytes:
    """A gzipped sitemap that unpacks to `unpacked` bytes (a start tag, then spaces)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b'<?xml version="1.0"?><urlset>')]
    chunk = b" " * (1 << 20)
    parts += [packer.compress(chunk) for _ in range(unpacked // len(chunk))]
    parts.append(packer.flush())
    return b"".join(parts)
