"""A takedown batch over three hosts with recipients attached, for notice and export tests.

Hosts: a.example (a hosting provider with a .kr abuse address, and a registrar), b.example
(behind a CDN, with a video whose frames carry PDQ hashes) and c.example (RDAP gave only a
redacted placeholder, so no notice). The people seeded carry distinctive names, refs and contacts
so tests can grep every written byte for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jikimi.takedown import batch_view, build_batch
from kernel.ports import Store
from kernel.records import Person
from kernel.settings import Settings
from kernel.takedown import Contact, HostRecipients, TakedownBatch
from tests.factories import make_face, make_hit, make_media, make_person, make_sighting
from tests.takedown_fixtures import DAY2, add_hit, seed

TEAM = "account:team-1"
JIWOO = make_person("김지우 Jiwoo Hiddenname", email="jiwoo.private@victim.example",
                    ref="CASE-JIWOO-7731", webhook="https://hooks.victim.example/jiwoo")
VIDEO_URL = "https://b.example/media/clip.mp4"
VIDEO_PAGE = "https://b.example/page/clip.html"
VIDEO_BYTES = b"video-bytes-of-jiwoo"
FRAME_PDQ = [[0.0, "ab" * 32, 90], [1.0, "ac" * 32, 85], [2.5, "ad" * 32, 40]]
VIDEO_MD5 = "0123456789abcdef0123456789abcdef"


@dataclass
class NoticeWorld:
    batch: TakedownBatch
    rows: list[dict[str, object]]
    people: list[Person]
    secrets: list[str] = field(default_factory=list)  # what must never be written
    media_bytes: list[bytes] = field(default_factory=list)


def recipients() -> dict[str, HostRecipients]:
    return {
        "a.example": HostRecipients("a.example", ["192.0.2.10"], [
            Contact("hosting", "abuse@hoster.co.kr", "Hoster Korea Co., Ltd.",
                    source="https://rdap.example/ip/192.0.2.10"),
            Contact("registrar", "abuse@registrar.example", "Example Registrar",
                    source="https://rdap.example/domain/a.example")]),
        "b.example": HostRecipients("b.example", ["198.51.100.7"], [
            Contact("cdn", "abuse@cdn.example", "Example CDN Inc.",
                    source="https://rdap.example/ip/198.51.100.7")], front="Example CDN"),
        "c.example": HostRecipients("c.example", ["203.0.113.5"], [
            Contact("hosting", "please query the RDDS service", "REDACTED", placeholder=True)],
            problems=["RDAP abuse contact is a redacted placeholder"]),
    }


def build_world(store: Store, settings: Settings) -> NoticeWorld:
    seeded = seed(store)
    store.add_person(JIWOO, [])
    add_hit(store, JIWOO, "j1", host="c.example", site="gamma", when=DAY2, seed=30)
    video = make_media(VIDEO_BYTES, kind="video", content_type="video/mp4", pdq="ab" * 32,
                       duration=3.0, info={"frame_pdq": FRAME_PDQ, "md5": VIDEO_MD5,
                                           "sample_interval": 1.0})
    store.upsert_media(video)
    store.add_sighting(make_sighting(video.media_id, media_url=VIDEO_URL, page_url=VIDEO_PAGE,
                                     site="beta"))
    face = make_face(video.media_id, seed=31, frame_ts=1.0)
    store.save_enrichment(video, [face])
    store.upsert_hit(make_hit(JIWOO.person_id, face, created_at=DAY2,
                              review_state="confirmed", frame_times=[0.0, 1.0]))
    batch = build_batch(store, settings, TEAM)
    batch.recipients = recipients()
    batch.legal_basis = "kr"
    _, rows = batch_view(store, batch.batch_id, TEAM)
    people = [seeded.ana, seeded.bo, JIWOO]
    secrets = [s for p in people for s in (p.name, p.ref, p.email, p.webhook, p.person_id) if s]
    secrets += ["Secretname", "Hiddenname", "김지우"]
    return NoticeWorld(batch, rows, people, secrets,
                       [VIDEO_BYTES, b"media-a1", b"media-a2", b"media-b1", b"media-j1"])
