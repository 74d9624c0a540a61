"""Spiders, one per source kind (`SiteDefinition.kind`), chosen by `spider_for`.

The generic spider covers web sites (HTML pages, feeds, sitemaps, forum templates); other kinds
(Telegram channel previews) have their own spider that yields the same items, so the pipelines,
the store and everything downstream never know where a media item came from.
"""

from __future__ import annotations

from scrapy import Spider

from crawlers.sites import SiteDefinition
from crawlers.spiders.generic import GenericSpider
from crawlers.spiders.telegram import TelegramSpider

SPIDERS: dict[str, type[Spider]] = {"web": GenericSpider, "telegram": TelegramSpider}


def spider_for(site: SiteDefinition) -> type[Spider]:
    """The spider class for the site's kind."""
    try:
        return SPIDERS[site.kind]
    except KeyError:
        raise NotImplementedError(f"no spider for site kind {site.kind!r}") from None
