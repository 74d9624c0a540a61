"""What the cluster itself holds about enrolled people: ciphertext that nothing can search.

Whoever can read the indices (an operator in Kibana, a snapshot) must learn neither who is
enrolled nor their templates; and `forget` must leave no document behind.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from kernel.errors import StoreError
from kernel.records import Person, Template
from search.crypto import TemplateCipher
from search.elastic.store import ElasticStore
from tests.factories import make_case, make_person, make_template

SECRET_FIELDS = {"persons": ("name", "email", "webhook", "webhook_secret"),
                 "templates": ("embedding",)}


@pytest.fixture
def enrolled(es_store: ElasticStore) -> tuple[Person, Template]:
    person = make_person("Zelda Plaintextname", email="zelda@example.org",
                         webhook="https://hooks.example.org/zelda",
                         webhook_secret="zelda-hook-signing-secret")
    template = make_template(person.person_id, 7)
    es_store.add_person(person, [template])
    return person, template


def test_names_contacts_and_templates_are_ciphertext_in_the_documents(
        es_client: Elasticsearch, es_store: ElasticStore, cipher: TemplateCipher,
        enrolled: tuple[Person, Template]) -> None:
    person, template = enrolled
    stored = es_client.get(index="jikimi-persons", id=person.person_id)["_source"]
    raw = str(stored) + str(es_client.get(index="jikimi-templates",
                                          id=template.template_id)["_source"])
    for secret in ("Zelda", "zelda@example.org", "hooks.example.org", "zelda-hook-signing"):
        assert secret not in raw
    vector_bytes = np.asarray(template.embedding, dtype="<f4").tobytes()
    assert base64.b64encode(vector_bytes[:24]).decode()[:16] not in raw
    assert cipher.decrypt_text(base64.b64decode(stored["name"])) == person.name
    assert stored["ref"] == person.ref  # the pseudonymous ref is what operators may see
    other_key = TemplateCipher.generate()
    with pytest.raises(StoreError, match="wrong or rotated key"):
        other_key.decrypt_text(base64.b64decode(stored["name"]))


def test_secret_fields_can_be_neither_searched_nor_aggregated(
        es_client: Elasticsearch, enrolled: tuple[Person, Template]) -> None:
    person, template = enrolled
    for index, fields in SECRET_FIELDS.items():
        caps = es_client.perform_request(  # fields in the query string (osmem reads only that)
            "GET", f"/jikimi-{index}/_field_caps", params={"fields": ",".join(fields)},
            headers={"accept": "application/json"}).body
        for field in fields:
            [(kind, cap)] = caps["fields"][field].items()
            assert kind == "binary" and cap["searchable"] is False
            assert cap["aggregatable"] is False
    stored = es_client.get(index="jikimi-templates", id=template.template_id)["_source"]
    found = es_client.search(index="jikimi-templates",
                             query={"term": {"embedding": stored["embedding"]}})
    assert found["hits"]["total"]["value"] == 0
    name = es_client.get(index="jikimi-persons", id=person.person_id)["_source"]["name"]
    for query in ({"term": {"name": name}}, {"query_string": {"query": "Zelda"}}):
        assert es_client.search(index="jikimi-persons",
                                query=query)["hits"]["total"]["value"] == 0


def test_forget_leaves_no_document_about_the_person(
        es_client: Elasticsearch, es_store: ElasticStore,
        enrolled: tuple[Person, Template]) -> None:
    person, _ = enrolled
    es_store.save_calibration(person.person_id, "test-model", b"sketch")
    es_store.delete_person(person.person_id)
    for index in ("persons", "templates", "calibrations", "hits", "alerts", "deliveries"):
        count = es_client.count(index=f"jikimi-{index}",
                                query={"term": {"person_id": person.person_id}})["count"]
        assert count == 0, index


def test_case_notes_are_ciphertext_unsearchable_and_erased_with_the_person(
        es_client: Elasticsearch, es_store: ElasticStore, cipher: TemplateCipher,
        enrolled: tuple[Person, Template]) -> None:
    person, _ = enrolled
    case = make_case(person.person_id, note="Zelda, partner case 2024-0113")
    es_store.add_case(case)
    stored = es_client.get(index="jikimi-cases", id=case.case_id)["_source"]
    assert "Zelda" not in str(stored) and "2024-0113" not in str(stored)
    assert cipher.decrypt_text(base64.b64decode(stored["note"])) == case.note
    caps = es_client.perform_request(
        "GET", "/jikimi-cases/_field_caps", params={"fields": "note"},
        headers={"accept": "application/json"}).body
    [(kind, cap)] = caps["fields"]["note"].items()
    assert kind == "binary" and cap["searchable"] is False and cap["aggregatable"] is False
    es_store.delete_person(person.person_id)
    after = es_client.get(index="jikimi-cases", id=case.case_id)["_source"]
    assert after["note"] is None and after["status"] == "withdrawn"
