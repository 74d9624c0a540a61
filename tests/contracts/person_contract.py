"""Contract for the PersonStore half of a Store: enrolled people, templates, erasure.

Mixed into `StoreContract`; a subclass supplies a `store` fixture (an empty store). Whether
ciphertext really reaches the medium is adapter-specific and tested next to each adapter.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernel.errors import JikimiError, NotFound
from kernel.ports import Store
from tests.factories import (
    MODEL_ID,
    make_alert,
    make_face,
    make_hit,
    make_media,
    make_person,
    make_template,
)


class PersonStoreContract:
    def test_person_round_trip(self, store: Store) -> None:
        person = make_person("Ana Example", email="ana@example.org",
                             webhook="https://hooks.example.org/x")
        bare = make_person("Bo Example", email=None)
        store.add_person(person, [])
        store.add_person(bare, [])
        assert store.get_person(person.person_id) == person
        assert store.get_person(bare.person_id) == bare
        assert store.get_person("nobody") is None
        assert {p.person_id for p in store.list_persons()} == {person.person_id, bare.person_id}

    def test_webhook_secret_round_trips_rotates_and_is_erased_with_her(self,
                                                                       store: Store) -> None:
        person = make_person("Ana", webhook="https://hooks.example.org/x",
                             webhook_secret="first-secret-" + "x" * 30)
        store.add_person(person, [make_template(person.person_id, 1)])
        got = store.get_person(person.person_id)
        assert got is not None and got.webhook_secret == person.webhook_secret
        assert "first-secret" not in repr(got)
        person.webhook_secret = "rotated-secret-" + "y" * 28  # rotation is the person's upsert
        store.add_person(person, [])
        assert store.get_person(person.person_id) == person
        assert len(store.templates(MODEL_ID)) == 1
        store.delete_person(person.person_id)
        assert store.get_person(person.person_id) is None
        assert all(p.webhook_secret is None for p in store.list_persons())

    def test_add_person_is_an_idempotent_upsert(self, store: Store) -> None:
        person = make_person("Ana")
        templates = [make_template(person.person_id, s) for s in range(2)]
        store.add_person(person, templates)
        store.add_person(person, templates)
        person.email = "new@example.org"
        store.add_person(person, templates[:1])
        assert store.get_person(person.person_id) == person
        assert len(store.list_persons()) == 1
        assert len(store.templates(MODEL_ID)) == 2

    def test_templates_round_trip_per_model(self, store: Store) -> None:
        person = make_person()
        mine = make_template(person.person_id, 1)
        other = make_template(person.person_id, 2, model_id="other")
        store.add_person(person, [mine, other])
        [got] = store.templates(MODEL_ID)
        assert (got.template_id, got.person_id, got.model_id, got.created_at) == (
            mine.template_id, mine.person_id, mine.model_id, mine.created_at)
        np.testing.assert_array_equal(got.embedding, mine.embedding)
        assert [t.template_id for t in store.templates("other")] == [other.template_id]
        assert store.templates("nobody") == []
        assert store.template_models() == sorted([MODEL_ID, "other"])
        store.delete_person(person.person_id)
        assert store.template_models() == []

    def test_template_of_another_person_is_refused(self, store: Store) -> None:
        person = make_person()
        with pytest.raises(JikimiError):
            store.add_person(person, [make_template("someone-else")])
        assert store.get_person(person.person_id) is None

    def test_delete_person_erases_everything_tied_to_them(self, store: Store) -> None:
        media = make_media(b"erase")
        store.upsert_media(media)
        faces = [make_face(media.media_id, i) for i in range(3)]
        store.save_enrichment(media, faces)
        gone, kept = make_person("Gone"), make_person("Kept")
        store.add_person(gone, [make_template(gone.person_id, s) for s in range(2)])
        store.add_person(kept, [make_template(kept.person_id, 9)])
        for face in faces:
            store.upsert_hit(make_hit(gone.person_id, face))
        store.upsert_hit(make_hit(kept.person_id, faces[0]))
        alert = make_alert(gone.person_id, media.media_id)
        store.add_alert(alert)
        store.record_delivery(alert.alert_id, "outbox", ok=True)
        store.add_alert(make_alert(kept.person_id, media.media_id))

        counts = store.delete_person(gone.person_id)

        assert counts == {"persons": 1, "templates": 2, "hits": 3, "alerts": 1}
        assert store.get_person(gone.person_id) is None
        assert all(t.person_id == kept.person_id for t in store.templates(MODEL_ID))
        assert store.hits(gone.person_id) == [] and store.alerts(gone.person_id) == []
        assert len(store.hits(kept.person_id)) == 1 and len(store.alerts(kept.person_id)) == 1
        assert len(list(store.faces(MODEL_ID))) == 3  # faces are about media, not the person
        with pytest.raises(NotFound):
            store.delete_person(gone.person_id)
        assert store.add_alert(make_alert(gone.person_id, media.media_id))  # no leftovers:
        [fresh] = store.alerts(gone.person_id)  # its old deliveries went with the alert
        assert (fresh.attempts, fresh.delivered_channels) == (0, [])

    def test_delete_unknown_person(self, store: Store) -> None:
        with pytest.raises(NotFound):
            store.delete_person("nobody")

    def test_calibration_records_round_trip_per_person_and_model(self, store: Store) -> None:
        ana, bo = make_person("Ana"), make_person("Bo")
        store.add_person(ana, [make_template(ana.person_id, 1)])
        store.add_person(bo, [])
        assert store.load_calibration(ana.person_id, MODEL_ID) is None
        store.save_calibration(ana.person_id, MODEL_ID, b'{"v":1}')
        store.save_calibration(ana.person_id, "other", b"\x00\xffbinary")
        store.save_calibration(bo.person_id, MODEL_ID, b"bo")
        store.save_calibration(ana.person_id, MODEL_ID, b'{"v":2}')  # an upsert, not a second
        assert store.load_calibration(ana.person_id, MODEL_ID) == b'{"v":2}'
        assert store.load_calibration(ana.person_id, "other") == b"\x00\xffbinary"
        assert store.load_calibration(bo.person_id, MODEL_ID) == b"bo"
        assert store.load_calibration(bo.person_id, "other") is None

    def test_calibration_needs_an_enrolled_person(self, store: Store) -> None:
        with pytest.raises(NotFound):
            store.save_calibration("nobody", MODEL_ID, b"x")
        assert store.load_calibration("nobody", MODEL_ID) is None

    def test_delete_person_erases_calibration_records(self, store: Store) -> None:
        gone, kept = make_person("Gone"), make_person("Kept")
        store.add_person(gone, [make_template(gone.person_id, 1)])
        store.add_person(kept, [make_template(kept.person_id, 2)])
        for person in (gone, kept):
            store.save_calibration(person.person_id, MODEL_ID, person.person_id.encode())
        store.delete_person(gone.person_id)
        assert store.load_calibration(gone.person_id, MODEL_ID) is None
        assert store.load_calibration(kept.person_id, MODEL_ID) == kept.person_id.encode()
        store.add_person(gone, [])  # enrolled again under the same id: nothing left over
        assert store.load_calibration(gone.person_id, MODEL_ID) is None
