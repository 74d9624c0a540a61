"""A portal whose victim account has a real case: her person, findings in every state she may
(or may not) see, and a second victim on another case, for the victim pages' tests.

Built on `tests.portal_fixtures.seeded_portal` (one account per role; the victim's case is
"case-1"): her three seeded hits get the states she reads as confirmed, under review and
removed; two more media of hers are escalated (she reads "under review") and rejected (not
shown). "victim-lee" is a second victim, on "case-2", with one finding of her own.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from jikimi import registry
from jikimi.accounts import Accounts
from kernel.ports import Store
from kernel.records import Hit, utcnow
from tests.factories import make_case, make_face, make_hit, make_media, make_person, make_sighting
from tests.portal_fixtures import PASSWORD, Portal, seeded_portal

OPERATOR_NOTE = "operator-only remark: checked the uploader's other posts"


@dataclass
class VictimPortal:
    portal: Portal
    person_id: str
    escalated: Hit  # hers, escalated: she reads "under review"
    rejected: Hit  # hers, rejected by an operator: she never sees it
    other: Hit  # the second victim's finding (case-2)
    other_username: str = "victim-lee"


def victim_portal(data_dir: Path, base_url: str, **fields: object) -> VictimPortal:
    portal = seeded_portal(data_dir, base_url, **fields)
    hits = portal.hits
    with closing(registry.open_store(portal.settings)) as store:
        person_id = hits.matching.person_id
        store.add_case(make_case(person_id, case_id="case-1"))
        store.set_review_state(hits.matching.hit_id, "confirmed", reviewer="operator-kim",
                               note=OPERATOR_NOTE)
        store.set_review_state(hits.gone.hit_id, "taken_down", reviewer="takedown-kim")
        escalated = _hit(store, person_id, base_url, 4, "escalated", days_ago=3)
        rejected = _hit(store, person_id, base_url, 5, "rejected", days_ago=1)
        other_person = make_person(name="Second Person", person_id="p-second")
        store.add_person(other_person, [])
        store.add_case(make_case(other_person.person_id, case_id="case-2"))
        other = _hit(store, other_person.person_id, base_url, 6, "confirmed", days_ago=2)
        Accounts(store, portal.settings.accounts).create_account(
            "victim-lee", PASSWORD, "victim", actor="test", case_id="case-2")
    return VictimPortal(portal, person_id, escalated, rejected, other)


def _hit(store: Store, person_id: str, base_url: str, n: int, state: str, *,
         days_ago: int) -> Hit:
    media = make_media(f"more media {n}".encode())
    store.upsert_media(media)
    store.add_sighting(make_sighting(media.media_id, media_url=f"{base_url}/media/{n}.jpg",
                                     page_url=f"{base_url}/gallery/{n}.html", site="demo"))
    face = make_face(media.media_id, seed=n)
    store.save_enrichment(media, [face])
    hit = make_hit(person_id, face, created_at=utcnow() - timedelta(days=days_ago))
    store.upsert_hit(hit)
    store.set_review_state(hit.hit_id, state, reviewer="operator-kim", note=OPERATOR_NOTE)
    return hit

