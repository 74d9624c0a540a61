"""Everything a takedown team sends or files for one batch, in one folder: the notices per
recipient (letters and .eml), the regulator referral (Korean and English CSV), the Lumen-style
transparency records and the hash-sharing records — and, when asked, the notices sent.

Notices cite the batch's latest evidence bundle (`jikimi evidence bundle`) when one exists,
item by item; without one they say the evidence is held by the sender. A notice for a later
escalation step lists only the URLs that reached that step. Reading the batch and the bundle is
audited with the actor; nothing written names or contacts the person depicted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jikimi.takedown.batches import batch_view
from jikimi.takedown.exports.hashes import hash_records, hashes_csv, hashes_json
from jikimi.takedown.exports.lumen import lumen_json, lumen_notice
from jikimi.takedown.exports.referral import referral_csv
from jikimi.takedown.notices import (
    NoticePlan,
    SentNotice,
    build_notices,
    record_sent_notices,
    send_notices,
    write_notices,
)
from kernel.errors import NotFound
from kernel.ports import Store
from kernel.settings import Settings
from kernel.takedown import EscalationStep
from search.evidence.audited import AuditedEvidence

BUNDLES = "bundles/"


@dataclass
class Paperwork:
    """What `prepare` wrote (paths relative to `out_dir`) and, after `send`, what went out."""

    batch_id: str
    out_dir: Path
    step: EscalationStep
    plan: NoticePlan
    files: list[str] = field(default_factory=list)
    evidence_bundle: str | None = None  # the bundle the notices cite, if any
    sent: list[SentNotice] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id, "step": self.step, "out_dir": str(self.out_dir),
            "notices": [{"host": n.host, "to": n.contact.email, "role": n.contact.role,
                         "languages": list(n.languages), "items": len(n.item_ids)}
                        for n in self.plan.notices],
            "no_recipient": [{"host": n.host, "items": len(n.item_ids),
                              "problems": list(n.problems)} for n in self.plan.no_recipient],
            "evidence_bundle": self.evidence_bundle, "files": self.files,
            "sent": [{"to": s.recipient, "ok": s.ok, "error": s.error} for s in self.sent],
        }


def prepare(store: Store, settings: Settings, batch_id: str, actor: str, out_dir: Path, *,
            evidence: AuditedEvidence | None = None, step: EscalationStep = "hosting",
            legal_basis: str | None = None, languages: list[str] | None = None) -> Paperwork:
    """Write the batch's notices for `step` and its referral, Lumen and hash files."""
    batch, rows = batch_view(store, batch_id, actor, settings.video.sample_fps)
    at_step = {i.item_id for i in store.takedown_items(batch_id) if i.escalation == step}
    rows = [r for r in rows if r["item_id"] in at_step]
    bundle, refs = latest_citations(evidence, batch_id) if evidence else (None, {})
    plan = build_notices(batch, rows, settings.takedown, step=step, legal_basis=legal_basis,
                         languages=languages, evidence_refs=refs)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_notices(plan.notices, out_dir / "notices", no_recipient=plan.no_recipient)
    extra = {
        "referral.ko.csv": referral_csv(batch, rows, evidence_refs=refs),
        "referral.en.csv": referral_csv(batch, rows, english=True, evidence_refs=refs),
        "lumen.json": lumen_json([lumen_notice(n, rows) for n in plan.notices]),
    }
    hashes = hash_records(store, batch, rows)
    extra |= {"hashes.json": hashes_json(hashes), "hashes.csv": hashes_csv(hashes)}
    for name, data in extra.items():
        (out_dir / name).write_bytes(data)
        written.append(out_dir / name)
    return Paperwork(batch_id, out_dir, step, plan,
                     [str(p.relative_to(out_dir)) for p in written], bundle)


def send(store: Store, settings: Settings, paperwork: Paperwork, actor: str) -> Paperwork:
    """Send the prepared notices through the configured SMTP server and record each: audit
    events, and every item of a sent notice marked sent with its address and step."""
    paperwork.sent = send_notices(paperwork.plan.notices, settings.alerts)
    record_sent_notices(store, paperwork.sent, actor)
    return paperwork


def latest_citations(evidence: AuditedEvidence, batch_id: str
                     ) -> tuple[str | None, dict[str, str]]:
    """The newest bundle of the batch (bundle ids sort by time) and its citation per item."""
    manifests = sorted(k for k in evidence.locker.keys(f"{BUNDLES}{batch_id}/")
                       if k.endswith("/manifest.json"))
    if not manifests:
        return None, {}
    try:
        manifest = json.loads(evidence.read(manifests[-1]))
    except NotFound:
        return None, {}
    refs = {str(i["item_id"]): str(i["citation"]) for i in manifest.get("items", [])
            if i.get("citation")}
    return manifests[-1].removesuffix("/manifest.json"), refs
