"""Tell a feed or a sitemap from any other response, by its content, and unpack a gzipped one.

Sites serve feeds as `text/html`, sitemaps as `application/octet-stream`, and name both anything
(`/rss`, `/sitemap.php`, `/index.xml`), so neither the header nor the extension decides: the
first element of the document does (`<rss>`, RSS 1.0's `<rdf:RDF>` with the RSS namespace,
Atom's `<feed>`, `<urlset>`, `<sitemapindex>`), read after the XML declaration, comments and a
DOCTYPE (whose internal subset is skipped, never expanded).

A gzipped body (`sitemap.xml.gz`, served without `Content-Encoding`) is sniffed from its first
64 KiB of output only, and unpacked in full only when it is a feed or a sitemap, with Scrapy's
own bounded `gunzip` (`crawl.max_page_bytes`, the cap on any page): a gzip bomb ends as one
recorded error after that many bytes, never in memory exhaustion.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Literal

from scrapy.utils.gz import gunzip

DocumentKind = Literal["feed", "sitemap"]
GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 64 * 1024  # how much of a document (or of a gzip's output) the sniff reads
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_QUOTES = frozenset(b"\"'")
_OPEN_SUBSET, _CLOSE_SUBSET, _CLOSE_TAG = ord("["), ord("]"), ord(">")
_RSS1_NAMESPACE = b"purl.org/rss/1.0"
_TAGS_AS_HTML = re.compile(rb"<body>\s*<(?:rss|rdf:rdf|feed|urlset|sitemapindex)\b", re.IGNORECASE)
_ROOTS: dict[bytes, DocumentKind] = {
    b"rss": "feed", b"feed": "feed", b"urlset": "sitemap", b"sitemapindex": "sitemap"}


@dataclass(frozen=True)
class Document:
    """A response that is a feed or a sitemap: its kind, its (unpacked) XML, and why it could
    not be unpacked (`body` is then empty)."""

    kind: DocumentKind
    body: bytes
    error: str | None = None


def read_document(body: bytes, max_bytes: int) -> Document | None:
    """The feed or sitemap in `body` (gzipped or not), or None when it is neither."""
    if body[:2] != GZIP_MAGIC:
        kind = sniff_document(body)
        return Document(kind, body) if kind is not None else None
    try:
        head = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(body, SNIFF_BYTES)
    except zlib.error:
        return None  # not gzip after all, or corrupt from its first block: not a document
    kind = sniff_document(head)
    if kind is None:
        return None
    try:
        return Document(kind, gunzip(body, max_size=max_bytes))
    except ValueError:  # scrapy's _DecompressionMaxSizeExceeded
        return Document(kind, b"", f"gzip: unpacks to more than {max_bytes} bytes "
                                   "(crawl.max_page_bytes); not read")
    except (OSError, EOFError, zlib.error) as exc:
        return Document(kind, b"", f"gzip: corrupt ({exc})")


def rendered_document(content_type: bytes, rendered: bytes) -> bool:
    """Whether a page a browser rendered was an XML document (by the server's type), or a feed
    or sitemap the browser read as HTML (its tags right inside `<body>`): either way the DOM is
    not the document, and the URL is to be fetched plainly."""
    media_type = content_type.split(b";", 1)[0].strip().lower()
    if b"xml" in media_type and b"xhtml" not in media_type:
        return True
    return _TAGS_AS_HTML.search(rendered[:SNIFF_BYTES]) is not None


def sniff_document(head: bytes) -> DocumentKind | None:
    """"feed" or "sitemap" from the document's first element, else None."""
    text = head[:SNIFF_BYTES]
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    elif text[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte order mark
        text = text.decode("utf-16", "replace").encode("utf-8", "replace")
    position = _after_prolog(text)
    if position is None:
        return None
    match = _FIRST_ELEMENT.match(text, position)
    if match is None:
        return None
    local = match.group(1).rsplit(b":", 1)[-1]
    if local == b"RDF":
        return "feed" if _RSS1_NAMESPACE in text else None
    return _ROOTS.get(local)


def _after_prolog(text: bytes) -> int | None:
    """Where the first element starts: after whitespace, `<?…?>`, `<!--…-->` and `<!DOCTYPE …>`
    (with its `[…]` internal subset); None if the prolog runs past the sniffed bytes."""
    position, length = 0, len(text)
    while position < length:
        while position < length and text[position:position + 1].isspace():
            position += 1
        if text.startswith(b"<?", position):
            end = text.find(b"?>", position + 2)
            position = -1 if end < 0 else end + 2
        elif text.startswith(b"<!--", position):
            end = text.find(b"-->", position + 4)
            position = -1 if end < 0 else end + 3
        elif text.startswith(b"<!", position):
            position = _after_doctype(text, position)
        else:
            return position
        if position < 0:
            return None
    return None


def _after_doctype(text: bytes, start: int) -> int:
    """Past a `<!DOCTYPE …>`, its `[…]` internal subset and any quoted `>` or `]` included."""
    quote: int | None = None
    in_subset = False
    for position in range(start + 2, len(text)):
        byte = text[position]
        if quote is not None:
            if byte == quote:
                quote = None
        elif byte in _QUOTES:
            quote = byte
        elif byte == _OPEN_SUBSET:
            in_subset = True
        elif byte == _CLOSE_SUBSET:
            in_subset = False
        elif byte == _CLOSE_TAG and not in_subset:
            return position + 1
    return -1
