"""The PreferenceStore half on Elasticsearch: a small index of its own, one document per case.

A new index rather than new fields on `cases`: adding fields to a `dynamic: strict` mapping means
a new schema version and a copy of every case, while a new index only needs `jikimi es migrate`
to create it. The document id is the case id, so saving twice replaces, and reads are by id
(real time, no refresh needed).
"""

from __future__ import annotations

from typing import Any, cast

from kernel.preferences import DeliveryMode, NotificationPreferences
from search.elastic.codec import dt_from_doc, dt_to_doc
from search.elastic.indices import ElasticIndices

INDEX = "notification_prefs"


class ElasticPreferenceStore:
    _es: ElasticIndices

    def get_preferences(self, case_id: str) -> NotificationPreferences | None:
        doc = self._es.get(INDEX, case_id)
        return None if doc is None else prefs_from_doc(doc)

    def save_preferences(self, prefs: NotificationPreferences) -> None:
        self._es.put(INDEX, prefs.case_id, prefs_to_doc(prefs))

    def delete_preferences(self, case_id: str) -> bool:
        return self._es.delete(INDEX, case_id)


def prefs_to_doc(prefs: NotificationPreferences) -> dict[str, Any]:
    return {"case_id": prefs.case_id, "email": prefs.email, "webhook": prefs.webhook,
            "mode": prefs.mode, "digest_hour": prefs.digest_hour,
            "quiet_start": prefs.quiet_start, "quiet_end": prefs.quiet_end,
            "timezone": prefs.timezone, "updated_at": dt_to_doc(prefs.updated_at)}


def prefs_from_doc(doc: dict[str, Any]) -> NotificationPreferences:
    return NotificationPreferences(
        case_id=doc["case_id"], email=bool(doc["email"]), webhook=bool(doc["webhook"]),
        mode=cast(DeliveryMode, doc["mode"]), digest_hour=int(doc["digest_hour"]),
        quiet_start=doc.get("quiet_start"), quiet_end=doc.get("quiet_end"),
        timezone=doc["timezone"], updated_at=dt_from_doc(doc["updated_at"]))
