"""Local copies of five forum and gallery engines' pages, served by `FixtureSite`.

Every engine hosts the same board: a forum list, one forum (or archive page), the thread
"Holiday photos" on two pages and "Portraits" on one. Each post carries one attachment shown as
a thumbnail that leads to its full-size file. The files are the neutral demo photos: the
enrolled person (`person_a_2.jpg`) only in attachment 13, on page 2 of "Holiday photos";
strangers everywhere else. Thumbnails and medium sizes are smaller re-encodes made here.

The markup lives in `tests/forum_fixtures/<engine>.html`, one file per engine, in sections:
`layout` (the page chrome, with `$head`, `$body`, `$title` and any other part), the pages
`index`, `forum` and `thread` (split into parts by `<!-- part: NAME -->`), `post` (one post with
its attachment) and the pagination pieces `nav_next`, `nav_prev`, `head_next`, `head_prev`.
Each engine's trap links (login, reply, report, members, sorting, search) are served too, so the
request log shows whether a crawl followed them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from PIL import Image

from jikimi.demo.site import photo_bytes
from tests.crawl_site import FixtureSite, Route

FIXTURES = Path(__file__).parent / "forum_fixtures"
_SECTION = re.compile(r"^<!-- == (\w+) == -->\n", re.MULTILINE)
_PART = re.compile(r"^<!-- part: (\w+) -->", re.MULTILINE)
_SESSION = re.compile(r"(?<=[?&])(?:sid|s)=[0-9a-f]{32}(?:&|$)")


@dataclass(frozen=True)
class Post:
    post_id: int
    author: str
    user_id: int
    attachment: int
    name: str  # the attachment's file name, without extension
    text: str


@dataclass(frozen=True)
class Thread:
    thread_id: int
    slug: str
    title: str
    pages: tuple[tuple[Post, ...], ...]


HOLIDAY = Thread(101, "holiday-photos", "Holiday photos", (
    (Post(1001, "alice", 2, 11, "beach", "First day at the beach."),
     Post(1002, "bob", 3, 12, "harbour", "The harbour in the evening.")),
    (Post(1003, "carol", 4, 13, "terrace", "On the terrace."),
     Post(1004, "dave", 5, 14, "market", "The market on Sunday.")),
))
PORTRAITS = Thread(102, "portraits", "Portraits", (
    (Post(1005, "erin", 6, 21, "studio", "A studio portrait."),),
))
THREADS = (HOLIDAY, PORTRAITS)
PHOTOS = {11: "person_b_1.jpg", 12: "impostor_1.jpg", 13: "person_a_2.jpg",
          14: "person_b_2.jpg", 21: "impostor_2.jpg"}
PERSON_ATTACHMENT = 13  # the enrolled person, on page 2 of HOLIDAY
NAMES = {post.attachment: post.name for t in THREADS for page in t.pages for post in page}


def _post(thread: Thread, page: int) -> str:
    return "post"


def _thread(thread: Thread) -> str:
    return "thread"


def _no_extra(attachment: int) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Engine:
    """Where one engine keeps its pages and files (paths as the server sees them)."""

    name: str
    index: str
    forum: str
    thread_path: Callable[[Thread, int], str]  # (thread, page number) -> path
    full: Callable[[int], str]  # attachment id -> the full-size file's path
    thumbs: Callable[[int], tuple[str, ...]]  # attachment id -> its smaller copies' paths
    traps: tuple[str, ...]  # paths a crawl with the template must never request
    others: tuple[str, ...] = ()  # other listings a crawl may follow, served as the index
    post_section: Callable[[Thread, int], str] = _post  # the fixture section of one post
    thread_section: Callable[[Thread], str] = _thread
    extra: Callable[[int], dict[str, str]] = _no_extra  # more values for an attachment's post

    @property
    def person_page(self) -> str:
        return self.thread_path(HOLIDAY, 2)

    def thread_pages(self) -> list[str]:
        return [self.thread_path(t, n + 1) for t in THREADS for n in range(len(t.pages))]


@cache
def sections(engine: str) -> dict[str, str]:
    text = (FIXTURES / f"{engine}.html").read_text(encoding="utf-8")
    pieces = _SECTION.split(text)[1:]
    return dict(zip(pieces[::2], pieces[1::2], strict=True))


def render(engine: str, name: str, **values: str) -> bytes:
    """Section `name` filled with `values`, inside the engine's layout."""
    found = sections(engine)
    text = found[name]
    pieces = _PART.split(text)[1:]  # name, text, name, text, …
    parts = dict(zip(pieces[::2], pieces[1::2], strict=True)) or {"body": text}
    filled = {key: Template(part).substitute(values).strip() for key, part in parts.items()}
    layout = found[filled.pop("layout", "layout")]
    page = {"head": "", "title": "Forums", "template": ""} | values | filled
    return Template(layout).substitute(page).encode()


def _snippet(engine: str, name: str, values: dict[str, str]) -> str:
    found = sections(engine)
    return Template(found[name]).substitute(values) if name in found else ""


def thread_page(engine: Engine, thread: Thread, page: int) -> bytes:
    base = {"slug": thread.slug, "thread": str(thread.thread_id), "title": thread.title,
            "page": str(page)}
    first = sum(len(p) for p in thread.pages[:page - 1])
    posts = "".join(
        _snippet(engine.name, engine.post_section(thread, page), base | {
            "post": str(post.post_id), "author": post.author, "user": str(post.user_id),
            "id": str(post.attachment), "name": post.name, "text": post.text,
            "position": str(first + i + 1), **engine.extra(post.attachment)})
        for i, post in enumerate(thread.pages[page - 1]))
    more, last = len(thread.pages) > page, page > 1
    nav = _snippet(engine.name, "nav_next", base) if more else ""
    nav = _snippet(engine.name, "nav_prev", base) if last else nav
    head = _snippet(engine.name, "head_next", base) if more else ""
    head = _snippet(engine.name, "head_prev", base) if last else head
    return render(engine.name, engine.thread_section(thread),
                  **base, posts=posts, page_nav=nav, head_links=head)


def jpeg_copy(data: bytes, width: int) -> bytes:
    """A smaller JPEG re-encode, as a forum makes its thumbnails."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((width, max(1, image.height * width // image.width)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def routes(engine: Engine) -> dict[str, Route]:
    index = render(engine.name, "index")
    served = {engine.index: Route(index), engine.forum: Route(render(engine.name, "forum"))}
    served |= {path: Route(index) for path in engine.others}
    for thread in THREADS:
        for n in range(len(thread.pages)):
            served[engine.thread_path(thread, n + 1)] = Route(thread_page(engine, thread, n + 1))
    for attachment, photo in PHOTOS.items():
        full = photo_bytes(photo)
        served[engine.full(attachment)] = Route(full, "image/jpeg")
        for i, path in enumerate(engine.thumbs(attachment)):
            served[path] = Route(jpeg_copy(full, 150 * (i + 1)), "image/jpeg")
    for path in engine.traps:
        served.setdefault(path, Route(b"<!doctype html><p>not a thread</p>"))
    return served


def forum_site(engine: Engine) -> FixtureSite:
    """The engine's board on 127.0.0.1; links carrying a session id get the same page."""
    served = routes(engine)

    def with_session(path: str) -> Route | None:
        return served.get(_SESSION.sub("", path).rstrip("?&"))

    return FixtureSite(served, dynamic=with_session)
