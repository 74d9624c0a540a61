"""Kibana saved objects for NGO operators: data views, saved searches and the review dashboard.

Operators review hits in Kibana at scale; these objects give them the views they need without
building any by hand. They are generated from the versioned index mappings (so a field that a view
uses always exists in the mapping it reads) and written as NDJSON for
`POST /api/saved_objects/_import?overwrite=true` (header `kbn-xsrf: true`). `jikimi kibana export`
writes the file; `infra/kibana/jikimi-saved-objects.ndjson` is that output, committed.

Nothing here shows imagery: media appear as a link labelled "view (blurred)" to jikimi's own
review page, which blurs by default; a media URL is shown as text, never rendered as an image.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

KIBANA_VERSION = "8.15.0"  # saved-object format the objects are written in (8.x imports them)
DEFAULT_REVIEW_URL = "http://localhost:8080"  # jikimi's review page; operators set their own


@dataclass
class SavedObject:
    type: str
    id: str
    attributes: dict[str, Any]
    references: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type, "id": self.id, "attributes": self.attributes,
            "references": self.references, "coreMigrationVersion": KIBANA_VERSION,
            "managed": False,
        }


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def data_view(view_id: str, title: str, time_field: str, name: str,
              formats: dict[str, Any]) -> SavedObject:
    return SavedObject("index-pattern", view_id, {
        "title": title, "name": name, "timeFieldName": time_field,
        "fieldFormatMap": _json(formats),
    })


def _search_source(query: str, view_ref: str = "kibanaSavedObjectMeta.searchSourceJSON.index"
                   ) -> dict[str, str]:
    return {"searchSourceJSON": _json({
        "query": {"query": query, "language": "kuery"}, "filter": [], "indexRefName": view_ref,
    })}


def saved_search(search_id: str, title: str, view_id: str, query: str, columns: list[str],
                 sort: list[list[str]], description: str) -> SavedObject:
    return SavedObject("search", search_id, {
        "title": title, "description": description, "columns": columns, "sort": sort,
        "kibanaSavedObjectMeta": _search_source(query),
    }, [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern",
         "id": view_id}])


def visualization(vis_id: str, title: str, view_id: str, vis_type: str,
                  aggs: list[dict[str, Any]], params: dict[str, Any]) -> SavedObject:
    state = {"title": title, "type": vis_type, "aggs": aggs, "params": params}
    return SavedObject("visualization", vis_id, {
        "title": title, "description": "", "version": 1, "uiStateJSON": "{}",
        "visState": _json(state), "kibanaSavedObjectMeta": _search_source(""),
    }, [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern",
         "id": view_id}])


def dashboard(dash_id: str, title: str, panels: list[SavedObject],
              description: str) -> SavedObject:
    grid, references = [], []
    for n, panel in enumerate(panels):
        width = 48 if panel.type == "search" else 24
        grid.append({
            "version": KIBANA_VERSION, "type": panel.type, "panelIndex": str(n + 1),
            "gridData": {"x": 0 if width == 48 else 24 * (n % 2), "y": 15 * (n // 2),
                         "w": width, "h": 15, "i": str(n + 1)},
            "embeddableConfig": {}, "panelRefName": f"panel_{n}",
        })
        references.append({"name": f"panel_{n}", "type": panel.type, "id": panel.id})
    return SavedObject("dashboard", dash_id, {
        "title": title, "description": description, "panelsJSON": _json(grid),
        "optionsJSON": _json({"useMargins": True, "hidePanelTitles": False}),
        "timeRestore": False, "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _json(
            {"query": {"query": "", "language": "kuery"}, "filter": []})},
    }, references)
