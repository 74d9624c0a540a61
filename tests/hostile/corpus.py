"""Build the hostile corpus from a seed: FixtureSite routes, and which of them are media items.

Layout: `/` links to index pages `/idx/N.html` (100 media each, as `<img>`/`<video>`) and to
every hostile page (`/h/...`, `/z/...`). Each media item lives at `/m/NNNN.ext`; its content
type is honest, missing or a lie. Bodies are deduplicated, so every item is distinct media.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.crawl_site import Route, page
from tests.hostile import media
from tests.hostile.pages import encoding_bombs, hostile_pages

PER_INDEX = 100
MUTANTS_PER_BASE = 34  # truncations + bit flips of every base file
_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
                  "bmp": "image/bmp", "tif": "image/tiff", "mp4": "video/mp4",
                  "webm": "video/webm", "mov": "video/quicktime"}
_LIES = ("text/html; charset=utf-8", "video/mp4", "image/gif", "application/octet-stream", "",
         "image/jpeg; charset=\x7f", "text/plain")


@dataclass
class Corpus:
    routes: dict[str, Route] = field(default_factory=dict)
    media_paths: list[str] = field(default_factory=list)  # every /m/ item, in order
    kinds: dict[str, str] = field(default_factory=dict)  # path -> how it was made

    @property
    def size(self) -> int:
        return len(self.media_paths) + sum(1 for p in self.routes if p.startswith(("/h/", "/z/")))


def _bases(seed: int) -> Iterator[tuple[str, str, bytes]]:
    """(name, extension, bytes) of every intact base file."""
    for n, (fmt, ext, mode) in enumerate(media.STILL_FORMATS):
        data = media.still(fmt, mode, seed + n)
        if data is not None:
            yield f"{fmt.lower()}-{mode.lower().replace(';', '')}", ext, data
    for ext, data in media.animations(seed):
        yield f"anim-{ext}", ext, data
    for n, (ext, data) in enumerate(media.videos(seed)):
        yield f"video{n}-{ext}", ext, data


def _bombs() -> Iterator[tuple[str, str, bytes]]:
    yield "bomb-png-100k", "png", media.png_header_bomb(100_000, 100_000)
    yield "bomb-png-16k", "png", media.png_header_bomb(16_000, 16_000)
    yield "bomb-png-wide", "png", media.png_header_bomb(2**31 - 1, 1)
    yield "bomb-jpeg-65k", "jpg", media.jpeg_header_bomb(65_000, 65_000)
    yield "bomb-jpeg-zero", "jpg", media.jpeg_header_bomb(0, 0)
    yield "bomb-gif-65k", "gif", media.gif_header_bomb(65_535, 65_535)
    yield "bomb-gif-frames", "gif", media.gif_header_bomb(8, 8, frames=20_000)
    yield "bomb-bmp-30k", "bmp", media.bmp_header_bomb(30_000, 30_000)
    yield "bomb-bmp-negative", "bmp", media.bmp_header_bomb(-30_000, -30_000)
    yield "bomb-tiff-60k", "tif", media.tiff_header_bomb(60_000, 60_000)
    yield "bomb-webp-canvas", "webp", media.webp_canvas_bomb()
    yield "bomb-anim-gif", "gif", media.many_frame_animation("GIF", 3_000)
    yield "bomb-anim-apng", "png", media.many_frame_animation("PNG", 2_000)
    yield "bomb-anim-webp", "webp", media.many_frame_animation("WEBP", 2_000)
    yield "bomb-video-frames", "mp4", media.many_frame_video(5_000)


def build_corpus(seed: int = 13, mutants_per_base: int = MUTANTS_PER_BASE) -> Corpus:
    """The whole corpus for `seed`: same seed, same bytes, same routes."""
    rng = random.Random(seed)
    items: list[tuple[str, str, bytes]] = []
    for name, ext, data in _bases(seed):
        items.append((name, ext, data))
        for k in range(mutants_per_base):
            mutate = media.truncated if k % 2 else media.bit_flipped
            items.append((f"{name}-{mutate.__name__}-{k}", ext, mutate(data, rng)))
    items.extend(_bombs())
    corpus = Corpus()
    seen: set[bytes] = set()
    for name, ext, data in items:
        if data in seen:
            continue
        seen.add(data)
        path = f"/m/{len(corpus.media_paths):04d}.{ext}"
        honest = _CONTENT_TYPES.get(ext, "application/octet-stream")
        content_type = rng.choice(_LIES) if rng.random() < 0.15 else honest
        corpus.routes[path] = Route(data, content_type)
        corpus.media_paths.append(path)
        corpus.kinds[path] = name
    first_jpeg = next(d for n, _, d in items if n.startswith("jpeg-rgb"))
    corpus.routes.update(encoding_bombs(first_jpeg))
    corpus.routes.update(hostile_pages(rng))
    _add_indexes(corpus)
    return corpus


def _add_indexes(corpus: Corpus) -> None:
    links = []
    for start in range(0, len(corpus.media_paths), PER_INDEX):
        index = f"/idx/{start // PER_INDEX}.html"
        tags = "".join(f'<video src="{p}"></video>' if p.endswith((".mp4", ".webm", ".mov"))
                       else f'<img src="{p}">' for p in corpus.media_paths[start:start + PER_INDEX])
        corpus.routes[index] = page(tags)
        links.append(index)
    media_traps = [p for p in corpus.routes if p.startswith("/z/") and not p.endswith(".html")]
    pages = [p for p in corpus.routes if p.startswith(("/h/", "/z/")) and p.endswith(".html")]
    body = "".join(f'<a href="{p}">{p}</a>' for p in links + pages)
    body += "".join(f'<img src="{p}">' for p in media_traps)
    corpus.routes["/"] = page(body)
    corpus.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", "text/plain")
