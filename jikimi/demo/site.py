"""The demo's fixture site: a few gallery pages built from the licensed photos in `photos/`.

The pages use the markup real sites use (lazy `data-src`, `srcset`, `<picture>`, CSS backgrounds,
`og:image`, `<video>`, pagination) so the demo exercises the crawler honestly. Three pages show
the demo person (a different photo from the enrollment one, a collage carrying a generator's PNG
chunk, and a short video in which she appears from 0:02 to 0:04); the others show other people, so
the demo can check that exactly those pages alert, and the video alert names its time range.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from PIL import Image, PngImagePlugin

from jikimi.demo.clip import make_clip

ENROLL_PHOTO = "person_a_1.jpg"
PAGES_WITH_PERSON = ("gallery/2.html", "gallery/4.html", "gallery/5.html")
# The demo video: another person for 2 s, the demo person for 3 s, an impostor for 2 s.
CLIP_SEGMENTS = (("person_b_1.jpg", 2.0), ("person_a_2.jpg", 3.0), ("impostor_1.jpg", 2.0))
CLIP_PERSON_RANGE = (2.0, 4.0)  # sampled at 1 fps: frames 2, 3 and 4 s show the demo person
# A generator's PNG text chunk (as AUTOMATIC1111's web UI writes it) on the collage, so the demo
# shows a provenance declaration in the evidence. Neutral text only.
GENERATOR_PARAMETERS = (
    "two portraits side by side, studio light\n"
    "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: 0000000000"
)


def photo_bytes(name: str) -> bytes:
    return resources.files("jikimi.demo").joinpath("photos", name).read_bytes()


def _collage(left: str, right: str) -> bytes:
    a = Image.open(io.BytesIO(photo_bytes(left))).convert("RGB")
    b = Image.open(io.BytesIO(photo_bytes(right))).convert("RGB")
    height = 360
    a = a.resize((a.width * height // a.height, height))
    b = b.resize((b.width * height // b.height, height))
    canvas = Image.new("RGB", (a.width + b.width + 40, height + 40), (240, 240, 240))
    canvas.paste(a, (10, 20))
    canvas.paste(b, (a.width + 30, 20))
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("parameters", GENERATOR_PARAMETERS)
    out = io.BytesIO()
    canvas.save(out, "PNG", pnginfo=chunks)
    return out.getvalue()


def _page(title: str, body: str, head: str = "", next_href: str | None = None) -> str:
    link = f'<link rel="next" href="{next_href}">' if next_href else ""
    nav = f'<p><a href="{next_href}">next page</a></p>' if next_href else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}{link}"
            f"</head><body><h1>{title}</h1>{body}{nav}<p><a href='/index.html'>home</a></p>"
            "</body></html>")


def build_site(root: Path) -> None:
    """Write the fixture site's HTML and images under `root`."""
    media = root / "media"
    media.mkdir(parents=True, exist_ok=True)
    for name in ("person_a_2.jpg", "person_b_1.jpg", "person_b_2.jpg", "impostor_1.jpg",
                 "impostor_2.jpg"):
        (media / name).write_bytes(photo_bytes(name))
    (media / "collage.png").write_bytes(_collage("person_b_2.jpg", "person_a_2.jpg"))
    (media / "clip.mp4").write_bytes(
        make_clip([(photo_bytes(name), seconds) for name, seconds in CLIP_SEGMENTS]))
    pages = {
        "index.html": _page("Demo gallery", "<ul><li><a href='/gallery/1.html'>gallery</a></li>"
                                            "<li><a href='/about.html'>about</a></li></ul>"),
        "about.html": _page("About", "<p>A local fixture site for the jikimi demo.</p>"),
        "gallery/1.html": _page(
            "Gallery 1",
            "<img class='lazy' src='/static/placeholder.gif' data-src='/media/person_b_1.jpg'>"
            "<img srcset='/media/impostor_1.jpg 1x, /media/impostor_1.jpg 2x' alt=''>",
            next_href="/gallery/2.html"),
        "gallery/2.html": _page(
            "Gallery 2", "<figure><img src='../media/person_a_2.jpg' alt='portrait'></figure>",
            next_href="/gallery/3.html"),
        "gallery/3.html": _page(
            "Gallery 3", "<div style=\"background-image: url('/media/impostor_2.jpg')\">x</div>",
            head="<meta property='og:image' content='/media/person_b_2.jpg'>",
            next_href="/gallery/4.html"),
        "gallery/4.html": _page(
            "Gallery 4", "<picture><source srcset='/media/collage.png' type='image/png'>"
                         "<img src='/media/person_b_2.jpg'></picture>",
            next_href="/gallery/5.html"),
        "gallery/5.html": _page(
            "Gallery 5", "<video controls width='480'>"
                         "<source src='/media/clip.mp4' type='video/mp4'></video>"),
    }
    (root / "static").mkdir(exist_ok=True)
    Image.new("RGB", (1, 1), (200, 200, 200)).save(root / "static" / "placeholder.gif", "GIF")
    for rel, html in pages.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")


@dataclass
class FixtureServer:
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _FixtureHTTPServer(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 drops connections under crawl concurrency
    daemon_threads = True


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def serve(root: Path, port: int = 0) -> FixtureServer:
    """Serve `root` on 127.0.0.1 in a background thread."""
    handler = partial(_QuietHandler, directory=str(root))
    server = _FixtureHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return FixtureServer(server, thread)
