"""Contract for the PreferenceStore half of a Store: one record of notification choices per
case, replaced on save, erased on request. Mixed into `StoreContract`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kernel.ports import Store
from kernel.preferences import NotificationPreferences
from kernel.records import utcnow


class PreferenceStoreContract:
    def test_preferences_round_trip(self, store: Store) -> None:
        assert store.get_preferences("case-a") is None
        defaults = NotificationPreferences("case-a")
        chosen = NotificationPreferences(
            "case-b", email=False, webhook=True, mode="digest", digest_hour=21,
            quiet_start=22 * 60 + 30, quiet_end=7 * 60, timezone="Europe/Berlin",
            updated_at=utcnow() - timedelta(days=2))
        store.save_preferences(defaults)
        store.save_preferences(chosen)
        assert store.get_preferences("case-a") == defaults
        assert store.get_preferences("case-b") == chosen

    def test_saving_again_replaces_the_record(self, store: Store) -> None:
        first = NotificationPreferences("case-c", mode="digest", quiet_start=60, quiet_end=120)
        store.save_preferences(first)
        second = replace(first, mode="immediate", quiet_start=None, quiet_end=None,
                         webhook=False, updated_at=first.updated_at + timedelta(minutes=5))
        store.save_preferences(second)
        assert store.get_preferences("case-c") == second

    def test_delete_preferences(self, store: Store) -> None:
        store.save_preferences(NotificationPreferences("case-d", email=False))
        store.save_preferences(NotificationPreferences("case-e"))
        assert store.delete_preferences("case-d")
        assert not store.delete_preferences("case-d")
        assert store.get_preferences("case-d") is None
        assert store.get_preferences("case-e") is not None
