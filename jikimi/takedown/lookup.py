"""Find and keep the recipients of a batch: the RDAP lookup for each of its hosts, stored on the
batch so notices, the portal and follow-up all read the same answer, and audited.

The lookup runs when a batch is built (or again on request, when a host moved): RDAP answers are
cached (`takedown.rdap_cache_hours`), so looking up again the same day costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from jikimi.takedown.recipients import default_cache_dir, find_recipients
from jikimi.takedown.recipients.addresses import Resolve, system_resolve
from kernel.errors import NotFound
from kernel.ports import Store
from kernel.records import AuditEvent
from kernel.settings import Settings
from kernel.takedown import ESCALATION, TakedownBatch


def attach_recipients(store: Store, settings: Settings, batch_id: str, actor: str, *,
                      resolve: Resolve = system_resolve) -> TakedownBatch:
    """Look up the recipients of every host of the batch and store them on it."""
    if store.get_takedown_batch(batch_id) is None:
        raise NotFound(f"no takedown batch {batch_id!r}")
    hosts = sorted({item.host for item in store.takedown_items(batch_id)})
    found = find_recipients(hosts, settings.takedown, resolve=resolve,
                            cache_dir=default_cache_dir(settings.takedown, settings.sqlite_path))
    batch = store.update_takedown_batch(batch_id, recipients=found)
    store.record_audit(AuditEvent(
        action="takedown.recipients", actor=actor, subject=batch_id,
        detail={"hosts": len(found),
                "without_recipient": sorted(h for h, r in found.items()
                                            if not r.for_step("hosting"))}))
    return batch


def batch_summary(batch: TakedownBatch, items_by_host: Mapping[str, int]) -> dict[str, Any]:
    """The batch as a takedown team reads it first: its id, and per host how many URLs, the
    usable recipients in escalation order, the CDN front and what is missing. Hosts without a
    lookup yet say so."""
    hosts = []
    for host in sorted(items_by_host):
        found = batch.recipients.get(host)
        usable = [] if found is None else [
            c for step in ESCALATION for c in found.for_step(step)]
        hosts.append({
            "host": host, "items": items_by_host[host],
            "addresses": [] if found is None else found.addresses,
            "front": None if found is None else found.front,
            "recipients": [asdict(c) for c in usable],
            "problems": ["recipients not looked up yet"] if found is None else found.problems,
        })
    return {"batch_id": batch.batch_id, "created_at": batch.created_at,
            "created_by": batch.created_by, "item_count": batch.item_count,
            "legal_basis": batch.legal_basis, "filters": batch.filters, "hosts": hosts}
