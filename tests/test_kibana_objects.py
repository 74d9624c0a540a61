"""The operators' Kibana saved objects: importable NDJSON whose references and fields all resolve.

Kibana cannot run here, so the file is checked the way the import API would need it: one object
per line, every reference pointing at an object in the file, every field a view uses existing in
the mapping of the index behind its data view, and no field rendered as an image.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jikimi.cli import main
from search.elastic.kibana_objects import operator_objects, to_ndjson
from search.elastic.schema import load_specs

COMMITTED = Path(__file__).resolve().parents[1] / "infra" / "kibana" / "jikimi-saved-objects.ndjson"
KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*(?::|>=|<=|>|<)")


def _objects(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    objects = [json.loads(line) for line in lines]
    for obj in objects:
        assert {"type", "id", "attributes", "references"} <= obj.keys()
    return objects


def _view_fields(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    specs = load_specs()
    fields = {}
    for obj in objects:
        if obj["type"] == "index-pattern":
            index = obj["attributes"]["title"].split("-", 1)[1]  # "jikimi-hits" -> "hits"
            fields[obj["id"]] = set(specs[index].mappings["properties"])
    return fields


def _fields_used(obj: dict[str, Any]) -> set[str]:
    attrs = obj["attributes"]
    used: set[str] = set(attrs.get("columns", []))
    used |= {field for field, _ in attrs.get("sort", [])}
    source = json.loads(attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
    query = source.get("query", {}).get("query", "")
    used |= {m for m in KQL_FIELD.findall(query) if m not in {"and", "or", "not"}}
    if "visState" in attrs:
        for agg in json.loads(attrs["visState"])["aggs"]:
            if "field" in agg["params"]:
                used.add(agg["params"]["field"])
    if obj["type"] == "index-pattern":
        used.add(attrs["timeFieldName"])
        used |= set(json.loads(attrs["fieldFormatMap"]))
    return used


def test_the_committed_file_is_what_the_generator_writes(tmp_path, capsys) -> None:
    out = tmp_path / "objects.ndjson"
    assert main(["--data-dir", str(tmp_path), "kibana", "export", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")
    assert "_import" in capsys.readouterr().err


def test_every_line_parses_and_every_reference_resolves() -> None:
    objects = _objects(COMMITTED.read_text(encoding="utf-8"))
    ids = {(o["type"], o["id"]) for o in objects}
    assert len(ids) == len(objects)
    assert {o["type"] for o in objects} == {"index-pattern", "search", "visualization",
                                            "dashboard"}
    for obj in objects:
        names = {ref["name"] for ref in obj["references"]}
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, f"{obj['id']} -> {ref}"
        source = obj["attributes"].get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if source and "indexRefName" in json.loads(source):
            assert json.loads(source)["indexRefName"] in names
        for panel in json.loads(obj["attributes"].get("panelsJSON", "[]")):
            assert panel["panelRefName"] in names


def test_every_field_a_saved_object_uses_exists_in_its_mapping() -> None:
    objects = _objects(COMMITTED.read_text(encoding="utf-8"))
    fields = _view_fields(objects)
    assert set(fields) == {"jikimi-hits", "jikimi-media"}
    for obj in objects:
        views = [r["id"] for r in obj["references"] if r["type"] == "index-pattern"]
        if obj["type"] == "index-pattern":
            views = [obj["id"]]
        used = _fields_used(obj)
        for view in views:
            missing = used - fields[view]
            assert not missing, f"{obj['id']} uses fields not in {view}: {sorted(missing)}"


def test_the_saved_searches_operators_need_and_no_imagery() -> None:
    objects = operator_objects()
    titles = {o.attributes["title"] for o in objects if o.type == "search"}
    assert titles == {"jikimi: unreviewed, newest first", "jikimi: high similarity",
                      "jikimi: by site", "jikimi: likely synthetic"}
    text = to_ndjson(objects)
    assert '\\"type\\":\\"img\\"' not in text and "view (blurred)" in text
    custom = to_ndjson(operator_objects("ngo", "https://review.ngo.example/"))
    assert "https://review.ngo.example/review/media/{{value}}" in custom
    assert '"id": "ngo-hits"' in custom and "jikimi-hits" not in custom
