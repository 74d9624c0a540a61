"""The CaseStore half on Elasticsearch: cases in their own index, the note as ciphertext.

Like names and contacts, a case's note (the one field that may identify the person) is Fernet
ciphertext in a never-indexed `binary` field; the rest (fixed words, an operator's name, times)
is keyword and date fields operators may search. Erasure scrubs the person's cases document by
document with optimistic concurrency (`scrub_cases`): no script runs, so osmem-server works too.
"""

from __future__ import annotations

import base64
from typing import Any, cast

from kernel.cases import Case, CaseStatus, Consent, Verification
from kernel.errors import NotFound
from kernel.records import utcnow
from search.crypto import TemplateCipher
from search.elastic.codec import dt_from_doc, dt_to_doc, opt_dt_from_doc
from search.elastic.indices import ElasticIndices, Source

_ORDER = [{"created_at": "asc"}, {"case_id": "asc"}]


class ElasticCaseStore:
    _es: ElasticIndices
    _cipher: TemplateCipher

    def add_case(self, case: Case) -> bool:
        return self._es.create("cases", case.case_id, case_to_doc(case, self._cipher))

    def get_case(self, case_id: str) -> Case | None:
        doc = self._es.get("cases", case_id)
        return None if doc is None else case_from_doc(doc, self._cipher)

    def list_cases(self, status: str | None = None) -> list[Case]:
        query = {"match_all": {}} if status is None else {"term": {"status": status}}
        return [case_from_doc(d, self._cipher) for d in self._es.scan("cases", query, _ORDER)]

    def update_case(self, case: Case) -> None:
        doc = case_to_doc(case, self._cipher)

        def replace(current: Source | None) -> Source:
            if current is None:
                raise NotFound(f"no case with id {case.case_id}")
            return doc | {"created_at": current["created_at"]}

        self._es.change("cases", case.case_id, replace)

    def case_of_person(self, person_id: str) -> Case | None:
        found = self._es.scan("cases", {"term": {"person_id": person_id}}, _ORDER, page=1)
        first = next(iter(found), None)
        return None if first is None else case_from_doc(first, self._cipher)


def scrub_cases(es: ElasticIndices, person_id: str) -> None:
    """Drop the notes of the person's cases and mark an open one withdrawn (erasure)."""
    closed_at = dt_to_doc(utcnow())

    def scrubbed(current: Source | None) -> Source | None:
        if current is None:
            return None
        status = "withdrawn" if current["status"] == "open" else current["status"]
        return current | {"note": None, "status": status,
                          "closed_at": current.get("closed_at") or closed_at}

    ids = [d["case_id"] for d in es.scan("cases", {"term": {"person_id": person_id}}, _ORDER,
                                         source=["case_id"])]
    for case_id in ids:
        es.change("cases", case_id, scrubbed)


def case_to_doc(case: Case, cipher: TemplateCipher) -> dict[str, Any]:
    v, c = case.verification, case.consent
    note = None if case.note is None else \
        base64.b64encode(cipher.encrypt_text(case.note)).decode("ascii")
    return {
        "case_id": case.case_id, "person_id": case.person_id, "status": case.status,
        "verification_method": v.method, "verified_by": v.verified_by,
        "verified_at": dt_to_doc(v.verified_at), "consent_version": c.version,
        "consent_channel": c.channel, "consent_accepted_at": dt_to_doc(c.accepted_at),
        "note": note, "created_at": dt_to_doc(case.created_at),
        "closed_at": None if case.closed_at is None else dt_to_doc(case.closed_at),
    }


def case_from_doc(doc: dict[str, Any], cipher: TemplateCipher) -> Case:
    note = doc.get("note")
    return Case(
        case_id=doc["case_id"], person_id=doc.get("person_id"),
        status=cast(CaseStatus, doc["status"]),
        verification=Verification(doc["verification_method"], doc["verified_by"],
                                  dt_from_doc(doc["verified_at"])),
        consent=Consent(doc["consent_version"], doc["consent_channel"],
                        dt_from_doc(doc["consent_accepted_at"])),
        note=None if note is None else cipher.decrypt_text(base64.b64decode(note)),
        created_at=dt_from_doc(doc["created_at"]),
        closed_at=opt_dt_from_doc(doc.get("closed_at")),
    )
