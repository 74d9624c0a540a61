"""Where each engine keeps its pages, files and traps on the fixture board (tests/forum_site.py).

Paths are what the server sees (query strings included, `&amp;` decoded). `others` are pages a
crawl with the template may follow (category pages, a blog's About page): served with the
board's index so that no crawl ends in an error; `traps` are links the template must not follow.
"""

from __future__ import annotations

from tests.forum_site import HOLIDAY, NAMES, Engine, Thread

D = "&d=1714816800"  # vBulletin's attachment date stamp


def _xf_thread(thread: Thread, page: int) -> str:
    return f"/threads/{thread.slug}.{thread.thread_id}/" + ("" if page == 1 else f"page-{page}")


XENFORO = Engine(
    "xenforo", index="/", forum="/forums/photos.2/",
    thread_path=_xf_thread,
    full=lambda n: f"/attachments/{NAMES[n]}-jpg.{n}/",
    thumbs=lambda n: (f"/data/attachments/0/{n}-5f3a9c0d1e2b.jpg",),
    others=("/categories/main.1/",),
    traps=("/login/", "/register/", "/members/", "/members/alice.2/", "/search/", "/whats-new/",
           "/posts/1001/report", "/posts/1001/react?reaction_id=1",
           "/threads/holiday-photos.101/reply?quote=1001", "/threads/holiday-photos.101/post-1001",
           "/threads/holiday-photos.101/latest", "/threads/portraits.102/post-1005",
           "/forums/photos.2/?order=view_count&direction=desc", "/forums/photos.2/post-thread",
           "/help/", "/misc/contact"),
)

PHPBB = Engine(
    "phpbb", index="/index.php", forum="/viewforum.php?f=2",
    thread_path=lambda t, page: f"/viewtopic.php?t={t.thread_id}"
                                + ("" if page == 1 else f"&start={2 * (page - 1)}"),
    full=lambda n: f"/download/file.php?id={n}",
    thumbs=lambda n: (f"/download/file.php?id={n}&t=1",),
    others=("/viewforum.php?f=1",),
    traps=("/ucp.php?mode=login&redirect=index.php", "/ucp.php?mode=register",
           "/posting.php?mode=reply&t=101", "/posting.php?mode=quote&p=1001",
           "/posting.php?mode=post&f=2", "/memberlist.php?mode=viewprofile&u=2",
           "/report.php?p=1001", "/viewtopic.php?p=1001", "/viewtopic.php?t=101&view=print",
           "/search.php?search_id=unanswered", "/memberlist.php", "/viewonline.php",
           "/app.php/help/faq", "/download/file.php?id=13&mode=view"),
)

VBULLETIN = Engine(
    "vbulletin", index="/forum.php", forum="/forumdisplay.php?2-Photos",
    thread_path=lambda t, page: f"/showthread.php?{t.thread_id}-{t.slug}"
                                + ("" if page == 1 else f"/page{page}"),
    full=lambda n: f"/attachment.php?attachmentid={n}{D}",
    thumbs=lambda n: (f"/attachment.php?attachmentid={n}&stc=1&thumb=1{D}",),
    others=("/index.php", "/forumdisplay.php?1-General"),
    traps=("/register.php", "/faq.php", "/member.php?2-alice", "/newreply.php?do=newreply&p=1001",
           "/report.php?p=1001", "/showthread.php?101-holiday-photos&p=1001",
           "/printthread.php?t=101&pp=10&page=1", "/search.php", "/calendar.php", "/online.php",
           "/forumdisplay.php?2-Photos&sort=title&order=asc", "/private.php?do=newpm&u=2",
           "/showthread.php?102-portraits&goto=newpost", "/sendmessage.php",
           "/archive/index.php"),
)


def _sha(n: int) -> str:
    return f"{n:02d}" * 20


DISCOURSE = Engine(
    "discourse", index="/", forum="/c/photos/5",
    thread_path=lambda t, page: f"/t/{t.slug}/{t.thread_id}"
                                + ("" if page == 1 else f"?page={page}"),
    full=lambda n: f"/uploads/default/original/1X/{_sha(n)}.jpeg",
    thumbs=lambda n: tuple(f"/uploads/default/optimized/1X/{_sha(n)}_2_{size}.jpeg"
                           for size in ("345x431", "517x646", "690x862")),
    thread_section=lambda t: "thread" if t is HOLIDAY else "thread_app",
    extra=lambda n: {"sha": _sha(n), "short": f"q{n}Zx7"},
    others=("/categories",),
    traps=("/u/alice", "/u/carol", "/t/holiday-photos/101/1", "/login", "/signup", "/guidelines",
           "/tos", "/privacy", f"/uploads/default/q{13}Zx7"),
)


def _wp_thread(thread: Thread, page: int) -> str:
    return f"/2024/05/{thread.slug}/" + ("" if page == 1 else f"{page}/")


def _wp_post(thread: Thread, page: int) -> str:
    if thread is not HOLIDAY:
        return "post_plain"
    return "post_linked" if page == 1 else "post_jetpack"


WORDPRESS = Engine(
    "wordpress", index="/", forum="/page/2/",
    thread_path=_wp_thread,
    full=lambda n: f"/wp-content/uploads/2024/05/{NAMES[n]}.jpg",
    thumbs=lambda n: tuple(f"/wp-content/uploads/2024/05/{NAMES[n]}-{size}.jpg"
                           for size in ("240x300", "616x768")),
    post_section=_wp_post,
    others=("/about/", "/category/photos/"),
    traps=("/wp-login.php", "/author/alice/", "/author/erin/", "/feed/", "/comments/feed/",
           "/2024/05/holiday-photos/?replytocom=7",
           "/2024/05/holiday-photos/?share=twitter", "/2024/05/holiday-photos/?share=facebook",
           "/2024/05/holiday-photos/terrace/", "/2024/05/holiday-photos/market/"),
)

ENGINES = {e.name: e for e in (XENFORO, PHPBB, VBULLETIN, DISCOURSE, WORDPRESS)}
