"""The operators' Kibana set: which views exist and why (format: `search.elastic.kibana`).

- Data views over the `hits` and `media` aliases.
- Saved searches: "unreviewed, newest first" (the queue), "high similarity" (strong matches
  first), "by site" (for takedown batches per host), "likely synthetic" (provenance, watermark or
  detector says so — it orders review, it never decides a takedown).
- A review dashboard: hits over time, by domain, by review state, top sites, fake-score
  distribution, and the unreviewed queue.
"""

from __future__ import annotations

import json
from pathlib import Path

from search.elastic.kibana import (
    DEFAULT_REVIEW_URL,
    SavedObject,
    dashboard,
    data_view,
    saved_search,
    visualization,
)

HIT_COLUMNS = ["similarity", "band", "review_state", "page_host", "page_url", "media_kind",
               "fake_score", "score_basis", "media_id"]


def _count() -> dict[str, object]:
    return {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}


def _terms(field: str, size: int, schema: str = "segment") -> dict[str, object]:
    return {"id": "2", "enabled": True, "type": "terms", "schema": schema,
            "params": {"field": field, "size": size, "order": "desc", "orderBy": "1"}}


_BARS = {"addTooltip": True, "addLegend": False, "legendPosition": "right",
         "type": "histogram", "times": [], "addTimeMarker": False}
_PIE = {"addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": True,
        "type": "pie"}
_TABLE = {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False,
          "showTotal": True, "totalFunc": "sum", "percentageCol": ""}


def operator_objects(prefix: str = "jikimi",
                     review_url: str = DEFAULT_REVIEW_URL) -> list[SavedObject]:
    """Every saved object, referenced objects before the objects that reference them."""
    hits_view, media_view = f"{prefix}-hits", f"{prefix}-media"
    blurred_link = {"id": "url", "params": {
        "type": "a", "urlTemplate": f"{review_url.rstrip('/')}/review/media/{{{{value}}}}",
        "labelTemplate": "view (blurred)", "openLinkInCurrentTab": False}}
    views = [
        data_view(hits_view, f"{prefix}-hits", "created_at", "jikimi hits",
                  {"media_id": blurred_link}),
        data_view(media_view, f"{prefix}-media", "first_seen", "jikimi media",
                  {"media_id": blurred_link}),
    ]
    searches = [
        saved_search(f"{prefix}-unreviewed", "jikimi: unreviewed, newest first", hits_view,
                     "review_state : new", HIT_COLUMNS, [["created_at", "desc"]],
                     "The review queue: hits no operator has looked at yet."),
        saved_search(f"{prefix}-high-similarity", "jikimi: high similarity", hits_view,
                     "band : strong or similarity >= 0.6", HIT_COLUMNS,
                     [["similarity", "desc"]], "Strongest face matches first."),
        saved_search(f"{prefix}-by-site", "jikimi: by site", hits_view,
                     "not review_state : rejected", ["site", "page_host", *HIT_COLUMNS],
                     [["site", "asc"], ["created_at", "desc"]],
                     "Hits grouped by site, for takedown batches per host."),
        saved_search(f"{prefix}-likely-synthetic", "jikimi: likely synthetic", hits_view,
                     "fake_score >= 0.5", HIT_COLUMNS, [["fake_score", "desc"]],
                     "Media that provenance, a watermark or a detector marks as likely "
                     "AI-generated. The score orders review; it never decides a takedown."),
    ]
    charts = [
        visualization(f"{prefix}-hits-over-time", "jikimi: hits over time", hits_view,
                      "histogram", [_count(), {
                          "id": "2", "enabled": True, "type": "date_histogram",
                          "schema": "segment",
                          "params": {"field": "created_at", "interval": "auto",
                                     "min_doc_count": 1}}], _BARS),
        visualization(f"{prefix}-hits-by-domain", "jikimi: hits by domain", hits_view,
                      "histogram", [_count(), _terms("page_host", 20)], _BARS),
        visualization(f"{prefix}-hits-by-review-state", "jikimi: hits by review state",
                      hits_view, "pie", [_count(), _terms("review_state", 5)], _PIE),
        visualization(f"{prefix}-top-sites", "jikimi: top sites", hits_view, "table",
                      [_count(), _terms("site", 20, schema="bucket")], _TABLE),
        visualization(f"{prefix}-fake-score", "jikimi: fake-score distribution", hits_view,
                      "histogram", [_count(), {
                          "id": "2", "enabled": True, "type": "histogram",
                          "schema": "segment",
                          "params": {"field": "fake_score", "interval": 0.1,
                                     "min_doc_count": False}}], _BARS),
    ]
    board = dashboard(f"{prefix}-review", "jikimi: review", [*charts, searches[0]],
                      "Operators' overview: what was found, where, and what still needs "
                      "review. Media open only through the blurred review page.")
    return [*views, *searches, *charts, board]


def to_ndjson(objects: list[SavedObject]) -> str:
    return "".join(json.dumps(o.as_dict(), sort_keys=True, ensure_ascii=False) + "\n"
                   for o in objects)


def write_saved_objects(out: Path, prefix: str = "jikimi",
                        review_url: str = DEFAULT_REVIEW_URL) -> int:
    """Write the NDJSON file; return the number of objects."""
    objects = operator_objects(prefix, review_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_ndjson(objects), encoding="utf-8")
    return len(objects)
