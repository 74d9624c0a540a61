"""Contract for the CrawlMarkStore half of a Store: per-site notes for incremental crawling,
replaced per key, read by prefix, forgotten per site. Mixed into `StoreContract`."""

from __future__ import annotations

from kernel.ports import Store


class CrawlMarkStoreContract:
    def test_crawl_marks_round_trip_per_site(self, store: Store) -> None:
        assert store.crawl_marks("gallery") == {}
        store.set_crawl_marks("gallery", {"telegram:chan_a": "120", "telegram:chan_b": "7"})
        store.set_crawl_marks("other", {"telegram:chan_a": "999"})
        assert store.crawl_marks("gallery") == {"telegram:chan_a": "120", "telegram:chan_b": "7"}
        assert store.crawl_marks("other") == {"telegram:chan_a": "999"}

    def test_setting_a_mark_again_replaces_it_and_keeps_the_others(self, store: Store) -> None:
        url = "https://feeds.example/rss?page=2&sort=new#" + "x" * 300  # long keys are fine
        store.set_crawl_marks("feeds", {url: "2026-12-01T10:00:00Z", "b": "1"})
        store.set_crawl_marks("feeds", {url: "2026-12-03T08:30:00Z"})
        store.set_crawl_marks("feeds", {})
        assert store.crawl_marks("feeds") == {url: "2026-12-03T08:30:00Z", "b": "1"}

    def test_marks_are_read_by_key_prefix(self, store: Store) -> None:
        store.set_crawl_marks("mixed", {"sitemap:https://a/1": "x", "sitemap:https://a/2": "y",
                                        "telegram:chan": "5"})
        assert store.crawl_marks("mixed", "sitemap:") == {"sitemap:https://a/1": "x",
                                                           "sitemap:https://a/2": "y"}
        assert store.crawl_marks("mixed", "feed:") == {}

    def test_delete_crawl_marks_forgets_one_site(self, store: Store) -> None:
        store.set_crawl_marks("gone", {"a": "1", "b": "2"})
        store.set_crawl_marks("kept", {"a": "1"})
        assert store.delete_crawl_marks("gone") == 2
        assert store.crawl_marks("gone") == {} and store.crawl_marks("kept") == {"a": "1"}
