"""The PersonStore half on Elasticsearch: enrolled people, their encrypted templates, erasure.

Persons and templates live in their own indices, apart from everything operators review, and
hold only ciphertext in `binary` fields (see codec_hits). Erasure deletes templates first and the
person last, so an interrupted `forget` leaves the person listed and can simply be run again;
deleted documents leave Lucene segments when they merge (see the README for forcing that).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from kernel.errors import NotFound
from kernel.records import Person, Template, require_own_templates, utcnow
from search.crypto import TemplateCipher
from search.elastic.case_store import scrub_cases
from search.elastic.codec import doc_id, dt_to_doc
from search.elastic.codec_hits import (
    person_from_doc,
    person_to_doc,
    template_from_doc,
    template_to_doc,
)
from search.elastic.indices import ElasticIndices, Source


class ElasticPersonStore:
    _es: ElasticIndices
    _cipher: TemplateCipher

    def add_person(self, person: Person, templates: Sequence[Template]) -> None:
        """Insert or update the person (keeping `created_at`) and upsert their templates."""
        require_own_templates(person, templates)
        doc = person_to_doc(person, self._cipher)

        def keep_created(current: Source | None) -> Source:
            return doc if current is None else doc | {"created_at": current["created_at"]}

        self._es.change("persons", person.person_id, keep_created)
        alias = self._es.alias("templates")
        self._es.bulk(("templates",), (
            {"_op_type": "update", "_index": alias, "_id": t.template_id,
             "doc": {k: v for k, v in sealed.items() if k in ("model_id", "embedding")},
             "upsert": sealed}
            for t in templates
            for sealed in [template_to_doc(t, self._cipher)]
        ), f"storing templates of person {person.person_id}")

    def get_person(self, person_id: str) -> Person | None:
        doc = self._es.get("persons", person_id)
        return None if doc is None else person_from_doc(doc, self._cipher)

    def list_persons(self) -> list[Person]:
        order = [{"created_at": "asc"}, {"person_id": "asc"}]
        return [person_from_doc(d, self._cipher)
                for d in self._es.scan("persons", {"match_all": {}}, order)]

    def templates(self, model_id: str) -> list[Template]:
        order = [{"person_id": "asc"}, {"template_id": "asc"}]
        docs = self._es.scan("templates", {"term": {"model_id": model_id}}, order)
        return [template_from_doc(d, self._cipher) for d in docs]

    def template_models(self) -> list[str]:
        return self._es.terms("templates", "model_id")

    def save_calibration(self, person_id: str, model_id: str, data: bytes) -> None:
        """Upsert the person's calibration record for one model (counts of scores, stored in
        the clear like the SQLite store does; base64 in a `binary` field, never indexed)."""
        if self._es.get("persons", person_id) is None:
            raise NotFound(f"no enrolled person with id {person_id}")
        self._es.put("calibrations", doc_id("calibration", person_id, model_id), {
            "person_id": person_id, "model_id": model_id,
            "data": base64.b64encode(bytes(data)).decode("ascii"),
            "updated_at": dt_to_doc(utcnow()),
        })

    def load_calibration(self, person_id: str, model_id: str) -> bytes | None:
        doc = self._es.get("calibrations", doc_id("calibration", person_id, model_id))
        return None if doc is None else base64.b64decode(doc["data"])

    def delete_person(self, person_id: str) -> dict[str, int]:
        """Erase the person, templates, calibration records, hits, alerts and their deliveries,
        and scrub her case (before the person goes, so a rerun finds her); return the counts."""
        if self._es.get("persons", person_id) is None:
            raise NotFound(f"no enrolled person with id {person_id}")
        mine = {"term": {"person_id": person_id}}
        templates = self._es.delete_where("templates", mine)
        self._es.delete_where("calibrations", mine)
        hits = self._es.delete_where("hits", mine)
        self._es.delete_where("deliveries", mine)
        alerts = self._es.delete_where("alerts", mine)
        scrub_cases(self._es, person_id)
        persons = self._es.delete_where("persons", mine)
        return {"persons": persons, "templates": templates, "hits": hits, "alerts": alerts}
