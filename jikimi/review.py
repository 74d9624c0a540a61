"""Review first: a person hears of a hit only after an operator has looked at it and confirmed it.

A face match is not proof — a lookalike or a stranger's synthetic image scores high too — and a
wrong alert about sexual imagery hurts the person it reaches. So matching records hits and, by
default (`review.policy = "review_first"`), alerts nobody; an operator decides each hit:

- confirm: it is her, and it is sexual content. Her alert (one per person and media) is recorded
  now and sent with the next delivery; the hit joins takedown batches.
- reject: not her. not_sexual: her, but nothing to take down. Neither ever reaches her or a batch.
- escalate: a suspected minor. A notice (no imagery, no name) goes to the escalation contact in
  settings; nothing reaches the person or a batch until someone decides again.

Every decision is in the audit log with the deciding account and never deletes anything: a
later decision on the same hit replaces the state and is logged too. A deployer may let the
"strong" band alert at once (`"strong_direct"`); those hits still wait in the queue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from jikimi.alerts.message import site_host
from jikimi.listing import hit_rows
from kernel.errors import ConfigError, NotFound
from kernel.ports import AlertMessage, Escalation, Store
from kernel.records import (
    DECISION_STATES,
    AuditEvent,
    Hit,
    ReviewDecision,
    derive_id,
    utcnow,
)
from kernel.settings import ReviewSettings, Settings
from search.matching import record_alert

AWAITING = "new"


def alert_bands(review: ReviewSettings) -> frozenset[str]:
    """The bands whose hits alert the person before any review (none by default)."""
    return frozenset({"strong"}) if review.policy == "strong_direct" else frozenset()


def review_queue(store: Store, settings: Settings) -> list[dict[str, Any]]:
    """Hits awaiting a decision, in review order (band, similarity, fake score, recency), with
    the same fields as `jikimi hits --json`."""
    return [row for row in hit_rows(store, settings, order="review")
            if row["review_state"] == AWAITING]


@dataclass
class ReviewOutcome:
    hit_id: str
    decision: str
    review_state: str
    new_alert: str | None = None  # the alert this confirmation recorded
    escalated_to: str | None = None


def decide(
    store: Store, hit_id: str, decision: ReviewDecision, actor: str, *,
    note: str | None = None, escalation: Escalation | None = None,
) -> ReviewOutcome:
    """Record one operator decision on a hit (see the module docstring for what each does).

    `escalation` is required for "escalate" and used for nothing else. Raises NotFound for an
    unknown hit, ConfigError for an unknown decision or a missing escalation contact."""
    if decision not in DECISION_STATES:
        raise ConfigError(f"unknown decision {decision!r}: use one of {sorted(DECISION_STATES)}")
    hit = find_hit(store, hit_id)
    if decision == "escalate" and escalation is None:
        raise ConfigError("escalation needs review.escalation_email and SMTP settings")
    state = DECISION_STATES[decision]
    outcome = ReviewOutcome(hit_id, decision, state)
    if decision == "escalate" and escalation is not None:
        escalation.escalate(escalation_notice(store, hit, actor))  # first: it may fail
        outcome.escalated_to = escalation.contact
    store.set_review_state(hit_id, state, reviewer=actor, note=note)
    if decision == "confirm" and record_alert(store, hit):
        outcome.new_alert = derive_id("alert", hit.person_id, hit.media_id)  # Alert's own id
    store.record_audit(AuditEvent(
        action="hit.review", actor=actor, subject=hit_id,
        detail={"decision": decision, "state": state, "model": hit.model_id, "band": hit.band,
                "note": bool(note), "alert": outcome.new_alert,
                "escalated_to": outcome.escalated_to},
    ))
    return outcome


def find_hit(store: Store, hit_id: str) -> Hit:
    for hit in store.hits():
        if hit.hit_id == hit_id:
            return hit
    raise NotFound(f"no hit {hit_id!r}")


def precision_report(store: Store) -> list[dict[str, Any]]:
    """Per model and band, what reviewers decided: how often a hit in that band was really her
    (confirmed, not_sexual and escalated are hers; rejected is not). Only reviewed hits count."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for hit in store.hits():
        if hit.review_state == AWAITING:
            continue
        counts.setdefault((hit.model_id, hit.band or "none"), Counter())[hit.review_state] += 1
    rows = []
    for (model, band), seen in sorted(counts.items()):
        hers = seen["confirmed"] + seen["taken_down"] + seen["not_sexual"] + seen["escalated"]
        reviewed = hers + seen["rejected"]
        rows.append({
            "model": model, "band": band, "reviewed": reviewed, "hers": hers,
            "rejected": seen["rejected"], "confirmed": seen["confirmed"] + seen["taken_down"],
            "not_sexual": seen["not_sexual"], "escalated": seen["escalated"],
            "precision": round(hers / reviewed, 4) if reviewed else None,
        })
    return rows


def escalation_notice(store: Store, hit: Hit, actor: str) -> AlertMessage:
    """What the escalation contact reads: where the media is and who escalated it; no imagery,
    no name, no biometric figures."""
    sightings = sorted(store.sightings(hit.media_id), key=lambda s: s.first_seen)
    places = "\n".join(f"- {s.page_url}\n  {s.media_url}" for s in sightings) or "- (unknown)"
    host = site_host(sightings[0].page_url) if sightings else "an unknown site"
    text = (
        "※ 아동·청소년 성착취물 의심 건으로 검토자가 이관했습니다. "
        "이미지는 포함되어 있지 않습니다.\n"
        "※ A reviewer escalated this item as suspected sexual content involving a minor. "
        "It contains no images.\n\n"
        f"사이트 / Site: {host}\n페이지와 미디어 / Pages and media:\n{places}\n\n"
        f"SHA-256: {hit.media_id}\nhit: {hit.hit_id}\n"
        f"검토자 / Reviewer: {actor}\n시각 / At: {utcnow().isoformat()}\n"
    )
    return AlertMessage(
        alert_id=f"escalation-{hit.hit_id}",
        subject="[jikimi] 아동·청소년 의심 건 이관 / Escalated: suspected minor",
        text=text,
        payload={"hit_id": hit.hit_id, "media_id": hit.media_id, "site": host,
                 "urls": [s.media_url for s in sightings], "escalated_by": actor},
    )

