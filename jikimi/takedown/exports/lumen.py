"""A notice as a Lumen database record, for transparency reporting.

Lumen (lumendatabase.org, Berkman Klein Center) collects removal requests; its API takes
`POST /notices` with `{"notice": {...}}`. It has no notice type for non-consensual intimate
imagery: its types are CourtOrder, DataProtection, Defamation, DMCA, LawEnforcementRequest,
Other, PrivateInformation, GovernmentRequest and Trademark (Lumen API documentation, "Create
notice"). We use PrivateInformation by default — the closest in kind, a plain Notice subclass in
Lumen's code with no remapped fields — and allow "Other", whose shape is the same. Fields follow
the API's nested attributes: `title`, `type`, `subject`, `date_sent`, `language`,
`jurisdiction_list`, `action_taken` (Yes / No / Partial / Unspecified), `tag_list`,
`works_attributes` (a description and its `infringing_urls_attributes`) and
`entity_notice_roles_attributes` (sender, principal, recipient, each an organisation).

The principal — the person depicted — is never named: the role is filled with a placeholder
organisation name. Whether to publish URLs of such material at all is the sender's decision;
Lumen redacts on request. Built from a `Notice`, so it holds exactly what the notice held.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from jikimi.takedown.notices.render import Notice
from kernel.records import utcnow

LumenType = Literal["PrivateInformation", "Other"]
JURISDICTIONS = {"kr": "KR", "us-take-it-down": "US", "platform-policy": ""}
PRINCIPAL = "Withheld (the person depicted, not named for their safety)"


def action_taken(statuses: Sequence[str]) -> str:
    """Lumen's action_taken from the items' latest marks."""
    if statuses and all(s == "removed" for s in statuses):
        return "Yes"
    if any(s == "removed" for s in statuses):
        return "Partial"
    if statuses and all(s == "refused" for s in statuses):
        return "No"
    return "Unspecified"


def lumen_notice(notice: Notice, rows: Sequence[Mapping[str, Any]] = (), *,
                 sent_at: datetime | None = None,
                 notice_type: LumenType = "PrivateInformation") -> dict[str, Any]:
    """`{"notice": {...}}` as Lumen's API takes it; `rows` (batch_view's) give the statuses."""
    status = {str(r.get("item_id")): str(r.get("status") or "pending") for r in rows}
    urls = list(dict.fromkeys(u for item in notice.items
                              for u in (item.media_url, item.page_url) if u))
    kinds = sorted({item.kind for item in notice.items})
    recipient = notice.contact.organisation or notice.front or notice.host
    return {"notice": {
        "title": f"Removal request: non-consensual synthetic intimate imagery on {notice.host}",
        "type": notice_type,
        "subject": "Non-consensual intimate imagery (synthetic or manipulated)",
        "date_sent": (sent_at or utcnow()).date().isoformat(),
        "language": notice.languages[0] if notice.languages else "en",
        "jurisdiction_list": JURISDICTIONS.get(notice.legal_basis, ""),
        "action_taken": action_taken([status.get(i, "pending") for i in notice.item_ids]),
        "tag_list": "ncii, synthetic media, deepfake",
        "works_attributes": [{
            "kind": " and ".join(kinds),
            "description": "Intimate images or videos of a real person, synthesised or edited "
                           "and published without their consent. Identity withheld.",
            "infringing_urls_attributes": [{"url": url} for url in urls],
        }],
        "entity_notice_roles_attributes": [
            _role("sender", notice.sender.organisation or notice.sender.name),
            _role("principal", PRINCIPAL),
            _role("recipient", recipient),
        ],
    }}


def _role(name: str, entity: str) -> dict[str, Any]:
    return {"name": name, "entity_attributes": {"name": entity, "kind": "organization"}}


def lumen_json(records: Sequence[dict[str, Any]]) -> bytes:
    return json.dumps(list(records), ensure_ascii=False, indent=2).encode("utf-8")
