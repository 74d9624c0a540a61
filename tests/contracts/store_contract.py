"""The behaviour every `kernel.ports.Store` adapter must show, run unchanged on each adapter.

Use it by subclassing and providing an empty store:

    class TestSqliteFile(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            s = SqliteStore(tmp_path / "db.sqlite3", TemplateCipher.generate())
            yield s
            s.close()

The per-area tests live in media_contract, person_contract, case_contract, hit_contract,
account_contract and takedown_contract; this module adds what spans them (protocol conformance,
stats across areas, concurrent use from threads).
"""

from __future__ import annotations

import threading

from kernel.ports import Store
from tests.contracts.account_contract import AccountStoreContract
from tests.contracts.case_contract import CaseStoreContract
from tests.contracts.crawl_mark_contract import CrawlMarkStoreContract
from tests.contracts.hit_contract import HitStoreContract
from tests.contracts.media_contract import MediaStoreContract
from tests.contracts.person_contract import PersonStoreContract
from tests.contracts.preference_contract import PreferenceStoreContract
from tests.contracts.takedown_contract import TakedownStoreContract
from tests.factories import MODEL_ID, make_face, make_media, make_person, make_sighting


class StoreContract(MediaStoreContract, PersonStoreContract, CaseStoreContract, HitStoreContract,
                    AccountStoreContract, TakedownStoreContract,
                    PreferenceStoreContract, CrawlMarkStoreContract):
    def test_implements_the_protocol(self, store: Store) -> None:
        assert isinstance(store, Store)

    def test_close_can_be_called_twice(self, store: Store) -> None:
        store.upsert_media(make_media(b"closing"))
        store.close()
        store.close()

    def test_stats_count_every_area(self, store: Store) -> None:
        media, broken = make_media(b"s1"), make_media(b"s2")
        store.upsert_media(media)
        store.upsert_media(broken)
        store.set_media_error(broken.media_id, "bad")
        store.add_sighting(make_sighting(media.media_id, 0))
        store.add_sighting(make_sighting(media.media_id, 1))
        store.save_enrichment(media, [make_face(media.media_id, i) for i in range(3)])
        person = make_person()
        store.add_person(person, [])
        counts = store.stats()
        assert {k: counts[k] for k in ("media", "media_error", "sightings", "faces", "persons",
                                       "templates")} == {
            "media": 2, "media_error": 1, "sightings": 2, "faces": 3, "persons": 1,
            "templates": 0}

    def test_concurrent_writers_from_threads(self, store: Store) -> None:
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for n in range(20):
                    media = make_media(f"thread-{worker}-{n}".encode())
                    store.upsert_media(media)
                    store.add_sighting(make_sighting(media.media_id, n))
                    store.save_enrichment(media, [make_face(media.media_id, 0, seed=n)])
                    list(store.faces(MODEL_ID, unmatched_only=True))
            except BaseException as exc:  # surfaced below, in the test's own thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        counts = store.stats()
        assert (counts["media"], counts["sightings"], counts["faces"]) == (80, 80, 80)
