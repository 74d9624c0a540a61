"""A store with hits in every review state on two hosts and two sites, for takedown tests.

Hits are stored already decided (their `created_at` is the day a batch's date filters see, as
no review time is recorded for them), so the dates are the test's to choose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from kernel.ports import Store
from kernel.records import Hit, Person
from tests.factories import make_face, make_hit, make_media, make_person, make_sighting

DAY1 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY2 = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
DAY3 = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


@dataclass
class Seeded:
    ana: Person
    bo: Person
    hits: dict[str, Hit] = field(default_factory=dict)  # label -> hit


def media_url(label: str, host: str) -> str:
    return f"https://{host}/media/{label}.jpg"


def page_url(label: str, host: str) -> str:
    return f"https://{host}/page/{label}.html"


def add_hit(store: Store, person: Person, label: str, *, host: str = "a.example",
            site: str = "alpha", state: str = "confirmed", when: datetime = DAY1,
            media_label: str | None = None, seed: int = 0, more_hosts: tuple[str, ...] = ()
            ) -> Hit:
    """A hit of `person` on media `media_label` (default: `label`) seen at `host` (and
    `more_hosts`), already in `state`."""
    data = f"media-{media_label or label}".encode()
    media = make_media(data, pdq="cd" * 32)
    store.upsert_media(media)
    for where in (host, *more_hosts):
        store.add_sighting(make_sighting(media.media_id, media_url=media_url(label, where),
                                         page_url=page_url(label, where), site=site))
    face = make_face(media.media_id, seed=seed)
    store.save_enrichment(media, [face])
    hit = make_hit(person.person_id, face, created_at=when, review_state=state)
    store.upsert_hit(hit)
    return hit


def seed(store: Store) -> Seeded:
    ana = make_person("Ana Secretname", email="ana@example.org", ref="CASE-ANA")
    bo = make_person("Bo Secretname", ref="CASE-BO")
    store.add_person(ana, [])
    store.add_person(bo, [])
    seeded = Seeded(ana, bo)
    hits = seeded.hits
    hits["a1"] = add_hit(store, ana, "a1", when=DAY1)
    hits["a2"] = add_hit(store, ana, "a2", host="b.example", site="beta", when=DAY2)
    hits["a3"] = add_hit(store, ana, "a3", state="taken_down", when=DAY3)
    hits["b1"] = add_hit(store, bo, "b1", host="b.example", site="beta", when=DAY2)
    for n, state in enumerate(("new", "rejected", "not_sexual", "escalated")):
        hits[state] = add_hit(store, ana, state, state=state, when=DAY2, seed=10 + n)
    return seeded
