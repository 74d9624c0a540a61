"""`jikimi es migrate` and the store's refusal to work without its aliases.

The session's osmem base already holds the `jikimi-*` indices; tests here use other prefixes to
start from an empty cluster.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from kernel.errors import StoreError
from search.crypto import TemplateCipher
from search.elastic.bulk import BulkWriteError
from search.elastic.migrate import _copies, migrate
from search.elastic.schema import INDEX_NAMES, MAPPINGS_DIR, load_specs
from search.elastic.store import ElasticStore
from tests.factories import make_face, make_hit, make_media, make_person, make_sighting


def aliases(client: Elasticsearch, prefix: str) -> dict[str, list[str]]:
    found = client.indices.get_alias(index=f"{prefix}-*", allow_no_indices=True).body
    holders: dict[str, list[str]] = {}
    for index, info in found.items():
        for alias in info["aliases"]:
            holders.setdefault(alias, []).append(index)
    return holders


def indices(client: Elasticsearch, prefix: str) -> list[str]:
    return sorted(client.indices.get(index=f"{prefix}-*", allow_no_indices=True).body)


def mappings_with(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], Any]) -> Path:
    """A copy of the mapping files in which `change(data)` edits index `name`'s file."""
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, folder, dirs_exist_ok=True)
    path = folder / f"{name}.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return folder


def fill(client: Elasticsearch, prefix: str) -> ElasticStore:
    store = ElasticStore(client, TemplateCipher.generate(), prefix=prefix)
    media = make_media(b"migrate me")
    store.upsert_media(media)
    store.add_sighting(make_sighting(media.media_id))
    faces = [make_face(media.media_id, i) for i in range(3)]
    store.save_enrichment(media, faces)
    person = make_person()
    store.add_person(person, [])
    for face in faces:
        store.upsert_hit(make_hit(person.person_id, face))
    return store


def test_migrate_creates_every_index_with_its_alias_once(es_client: Elasticsearch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="search.elastic.migrate"):
        steps = migrate(es_client, "fresh")
    specs = load_specs()
    assert [(s.index, s.action, s.target) for s in steps] == [
        (name, "created", specs[name].index("fresh")) for name in INDEX_NAMES]
    faces = next(s for s in steps if s.index == "faces")
    assert faces.vectors == "none"  # osmem-server has no dense_vector: the fallback mapping
    assert "refused dense_vector" in caplog.text
    assert aliases(es_client, "fresh") == {
        f"fresh-{n}": [specs[n].index("fresh")] for n in INDEX_NAMES}
    mapping = es_client.indices.get_mapping(index="fresh-hits-v1").body["fresh-hits-v1"]
    assert mapping["mappings"]["dynamic"] == "strict"
    assert mapping["mappings"]["date_detection"] is False
    assert mapping["mappings"]["_meta"]["jikimi"]["schema_version"] == 1
    again = migrate(es_client, "fresh")
    assert {s.action for s in again} == {"current"}
    assert indices(es_client, "fresh") == sorted(specs[n].index("fresh") for n in INDEX_NAMES)


def test_a_schema_change_copies_verifies_and_then_flips_the_alias(
        es_client: Elasticsearch, tmp_path: Path) -> None:
    migrate(es_client, "mig")
    old = fill(es_client, "mig")
    hits_before = old.hits()
    v2 = load_specs(mappings_with(tmp_path, "hits", lambda d: d.update(version=2) or
                                  d["mappings"]["properties"].update(
                                      review_queue={"type": "keyword"})))
    steps = {s.index: s for s in migrate(es_client, "mig", v2)}
    assert (steps["hits"].action, steps["hits"].source, steps["hits"].target,
            steps["hits"].documents) == ("migrated", "mig-hits-v1", "mig-hits-v2", 3)
    assert {s.action for n, s in steps.items() if n != "hits"} == {"current"}
    assert aliases(es_client, "mig")["mig-hits"] == ["mig-hits-v2"]
    assert "mig-hits-v1" not in indices(es_client, "mig")  # erased data must not linger there
    with pytest.raises(StoreError, match="run `jikimi es migrate`"):
        ElasticStore(es_client, TemplateCipher.generate(), prefix="mig")  # v1 code refuses v2
    new = ElasticStore(es_client, TemplateCipher.generate(), prefix="mig", specs=v2)
    assert new.hits() == hits_before
    assert {s.action for s in migrate(es_client, "mig", v2)} == {"current"}


def test_keep_old_leaves_the_old_index_read_only(es_client: Elasticsearch,
                                                 tmp_path: Path) -> None:
    migrate(es_client, "keep")
    fill(es_client, "keep")
    v2 = load_specs(mappings_with(tmp_path, "media", lambda d: d.update(version=2)))
    migrate(es_client, "keep", v2, keep_old=True)
    assert aliases(es_client, "keep")["keep-media"] == ["keep-media-v2"]
    assert es_client.count(index="keep-media-v1")["count"] == 1
    settings = es_client.indices.get_settings(index="keep-media-v1").body
    assert settings["keep-media-v1"]["settings"]["index"]["blocks"]["write"] in (True, "true")


def test_a_failed_copy_keeps_the_old_alias_and_can_be_retried(es_client: Elasticsearch,
                                                              tmp_path: Path) -> None:
    migrate(es_client, "fail")
    store = fill(es_client, "fail")
    # v2 drops a field the stored hits have: strict mapping refuses them during the copy
    broken = load_specs(mappings_with(tmp_path / "a", "hits", lambda d: d.update(version=2) or
                                      d["mappings"]["properties"].pop("site")))
    with pytest.raises(BulkWriteError, match="strict_dynamic_mapping_exception") as caught:
        migrate(es_client, "fail", broken)
    assert len(caught.value.failures) == 3
    assert aliases(es_client, "fail")["fail-hits"] == ["fail-hits-v1"]
    assert "fail-hits-v2" not in indices(es_client, "fail")
    store.upsert_hit(make_hit("someone", make_face("m2")))  # the old index is writable again
    assert len(store.hits()) == 4
    fixed = load_specs(mappings_with(tmp_path / "b", "hits", lambda d: d.update(version=2)))
    steps = {s.index: s for s in migrate(es_client, "fail", fixed)}
    assert (steps["hits"].action, steps["hits"].documents) == ("migrated", 4)


def test_the_store_refuses_to_open_without_its_aliases(es_client: Elasticsearch) -> None:
    with pytest.raises(StoreError, match="fresh2-media must point at fresh2-media-v1 "
                                         r"\(now: missing\); run `jikimi es migrate`"):
        ElasticStore(es_client, TemplateCipher.generate(), prefix="fresh2")
    assert indices(es_client, "fresh2") == []


def test_writes_never_auto_create_an_index(es_store: ElasticStore,
                                           es_client: Elasticsearch) -> None:
    es_client.indices.delete_alias(index="jikimi-media-v1", name="jikimi-media")
    es_client.indices.delete_alias(index=load_specs()["faces"].index("jikimi"),
                                   name="jikimi-faces")
    media = make_media(b"nowhere")
    with pytest.raises(StoreError, match="index_not_found_exception"):
        es_store.upsert_media(media)
    with pytest.raises(BulkWriteError, match="index_not_found_exception"):
        es_store.save_enrichment(media, [make_face(media.media_id)])
    assert not es_client.indices.exists(index="jikimi-media")
    assert not es_client.indices.exists(index="jikimi-faces")
    with pytest.raises(StoreError, match="index_not_found_exception"):
        es_store.get_media(media.media_id)  # a read says so too, rather than "not found"


def test_an_index_where_an_alias_belongs_is_reported(es_client: Elasticsearch) -> None:
    es_client.indices.create(index="odd-hits")  # as an auto-creating write would leave it
    with pytest.raises(StoreError, match="odd-hits is an index, not an alias"):
        migrate(es_client, "odd")
    with pytest.raises(Exception, match="use lowercase"):
        migrate(es_client, "Bad Prefix")


def test_the_copy_derives_knn_vectors_a_new_faces_index_gains(es_store: ElasticStore,
                                                              es_client: Elasticsearch) -> None:
    """Moving faces from the fallback to a dense_vector index (a cluster upgrade) fills each
    face's kNN copy from its stored embedding; osmem cannot hold such an index, so this checks
    the documents the copy would write."""
    media = make_media(b"to be vectorised")
    es_store.upsert_media(media)
    faces = {f.face_id: f for f in (make_face(media.media_id, i) for i in range(3))}
    es_store.save_enrichment(media, list(faces.values()))
    es_store.close()
    fields = {"vector_128": 128, "vector_512": 512}
    old, new = load_specs()["faces"].index("jikimi"), "jikimi-faces-v99"
    with pytest.raises(StoreError, match="needs the template key"):  # sealed embeddings
        list(_copies(es_client, old, new, fields, None))
    actions = list(_copies(es_client, old, new, fields, lambda: es_store._cipher))
    assert sorted(a["_id"] for a in actions) == sorted(faces)
    for action in actions:
        assert action["_index"] == new and "vector_512" not in action["_source"]
        assert action["_source"]["vector_128"] == [
            float(v) for v in faces[action["_id"]].embedding]
