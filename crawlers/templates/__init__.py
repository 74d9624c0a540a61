"""Forum and gallery templates, chosen by a site's `template:` field.

A template tells the generic spider what one engine's markup means: which links are threads and
listings, which are traps (login, reply, report, member pages, sorting, search), where a thread's
next page is, which URLs are attachments without a file extension, and how a thumbnail leads to
its full-size file (`crawlers.templates.apply`). One module per engine; adding one is a module
and a line in `TEMPLATES` (and its name in `crawlers.sites.ForumTemplate`).
"""

from __future__ import annotations

from crawlers.templates.apply import TemplatePage, read_page, refine
from crawlers.templates.base import ForumTemplate
from crawlers.templates.discourse import DISCOURSE
from crawlers.templates.phpbb import PHPBB
from crawlers.templates.vbulletin import VBULLETIN
from crawlers.templates.wordpress import WORDPRESS
from crawlers.templates.xenforo import XENFORO

TEMPLATES: dict[str, ForumTemplate] = {
    t.engine: t for t in (XENFORO, PHPBB, VBULLETIN, DISCOURSE, WORDPRESS)
}

__all__ = ["TEMPLATES", "ForumTemplate", "TemplatePage", "read_page", "refine", "template_for"]


def template_for(name: str | None) -> ForumTemplate | None:
    """The template named by a site definition (None: the site has none)."""
    if name is None:
        return None
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"no forum template named {name!r}") from None
