"""Crawlers: get media from the web, safely — the Scrapy project (site definitions, a generic
spider that yields items, an item pipeline that stores them), the address guard every request
passes, and the one-URL fetch that evidence capture reuses."""
