"""Spiders. One generic spider, driven by a site definition, covers every site."""
