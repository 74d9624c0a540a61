"""Contract for the CaseStore half of a Store: cases, the person they enrolled, erasure.

Mixed into `StoreContract`; a subclass supplies a `store` fixture (an empty store). Whether the
note reaches the medium as ciphertext is adapter-specific and tested next to each adapter.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kernel.errors import NotFound
from kernel.ports import Store
from kernel.records import utcnow
from tests.factories import make_case, make_person, make_template


class CaseStoreContract:
    def test_case_round_trip(self, store: Store) -> None:
        bare = make_case()
        full = make_case("p-1", note="센터 사건번호 2024-113", status="closed",
                         closed_at=utcnow())
        assert store.add_case(bare) and store.add_case(full)
        assert store.get_case(bare.case_id) == bare
        assert store.get_case(full.case_id) == full
        assert store.get_case("nothing") is None

    def test_adding_a_known_case_changes_nothing(self, store: Store) -> None:
        case = make_case(note="first")
        assert store.add_case(case)
        assert not store.add_case(replace(case, note="second", person_id="p-2"))
        assert store.get_case(case.case_id) == case

    def test_list_cases_oldest_first_and_by_status(self, store: Store) -> None:
        now = utcnow()
        later = make_case(created_at=now)
        earlier = make_case(created_at=now - timedelta(days=1), status="withdrawn",
                            closed_at=now)
        store.add_case(later)
        store.add_case(earlier)
        assert [c.case_id for c in store.list_cases()] == [earlier.case_id, later.case_id]
        assert store.list_cases("open") == [later]
        assert store.list_cases("withdrawn") == [earlier]
        assert store.list_cases("closed") == []

    def test_update_case_replaces_it_but_keeps_created_at(self, store: Store) -> None:
        case = make_case()
        store.add_case(case)
        changed = replace(case, person_id="p-9", note="moved", status="closed",
                          closed_at=utcnow(), created_at=case.created_at + timedelta(days=3))
        store.update_case(changed)
        assert store.get_case(case.case_id) == replace(changed, created_at=case.created_at)
        store.update_case(replace(changed, note=None))
        stored = store.get_case(case.case_id)
        assert stored is not None and stored.note is None
        with pytest.raises(NotFound):
            store.update_case(make_case())

    def test_case_of_person(self, store: Store) -> None:
        case = make_case()
        store.add_case(case)
        store.add_case(make_case("someone-else"))
        assert store.case_of_person("p-5") is None
        store.update_case(replace(case, person_id="p-5"))
        found = store.case_of_person("p-5")
        assert found is not None and found.case_id == case.case_id

    def test_delete_person_keeps_her_case_for_the_audit_without_what_identifies_her(
        self, store: Store
    ) -> None:
        gone, kept = make_person("Gone"), make_person("Kept")
        for person in (gone, kept):
            store.add_person(person, [make_template(person.person_id, 1)])
        her = make_case(gone.person_id, note="partner case 17, 김지현")
        other = make_case(kept.person_id, note="partner case 18")
        store.add_case(her)
        store.add_case(other)

        counts = store.delete_person(gone.person_id)

        assert counts == {"persons": 1, "templates": 1, "hits": 0, "alerts": 0}
        after = store.get_case(her.case_id)
        assert after is not None and after.note is None
        assert after.status == "withdrawn" and after.closed_at is not None
        assert (after.verification, after.consent, after.created_at, after.person_id) == (
            her.verification, her.consent, her.created_at, her.person_id)
        assert store.get_case(other.case_id) == other

    def test_delete_person_keeps_the_status_of_a_case_no_longer_open(self, store: Store) -> None:
        person = make_person()
        store.add_person(person, [])
        closed_at = utcnow() - timedelta(days=2)
        case = make_case(person.person_id, note="x", status="closed", closed_at=closed_at)
        store.add_case(case)
        store.delete_person(person.person_id)
        assert store.get_case(case.case_id) == replace(case, note=None)
