"""The benchmark's one JSON object and its table: what `jikimi bench` prints.

The JSON keeps each part's full results under its own key ("search" per size, "enrich",
"crawl", "machine") and lifts the headline figures the issue names to the top level, taken at
the largest stored size measured: `stored_faces`, `retro_search_s`, `exact_scan_s`,
`recall_at_10`, `bytes_per_face`, `enrich_images_per_s`, `faceanalysis_images_per_s`,
`embedding_cos_min`.
"""

from __future__ import annotations

from typing import Any

HEADLINE_SEARCH = ("stored_faces", "retro_search_s", "exact_scan_s", "recall_at_10",
                   "bytes_per_face")
HEADLINE_ENRICH = ("enrich_images_per_s", "faceanalysis_images_per_s", "embedding_cos_min")


def combine(machine: dict[str, Any], search: list[dict[str, Any]],
            enrich: dict[str, Any] | None, crawl: dict[str, Any] | None) -> dict[str, Any]:
    result: dict[str, Any] = {key: None for key in HEADLINE_SEARCH + HEADLINE_ENRICH}
    if search:
        largest = max(search, key=lambda row: row["stored_faces"])
        result.update({key: largest.get(key) for key in HEADLINE_SEARCH})
    if enrich:
        result.update({key: enrich.get(key) for key in HEADLINE_ENRICH})
    result.update(machine=machine, search=search, enrich=enrich, crawl=crawl)
    return result


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1 else f"{value:,.{min(digits, 2)}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(result: dict[str, Any]) -> list[str]:
    machine = result["machine"]
    lines = [f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
             f"onnxruntime {machine['onnxruntime']} ({', '.join(machine['providers'])})", ""]
    if result["search"]:
        lines += ["retroactive search (per enrolled template)",
                  f"  {'stored faces':>12} {'index s':>9} {'numpy s':>9} {'ratio':>7} "
                  f"{'recall@10':>9} {'bytes/face':>10} {'load s':>8}"]
        for row in result["search"]:
            ratio = (row["exact_scan_s"] / row["retro_search_s"]
                     if row.get("retro_search_s") else None)
            lines.append(
                f"  {row['stored_faces']:>12,} {_num(row['retro_search_s']):>9} "
                f"{_num(row['exact_scan_s']):>9} {_num(ratio):>7} "
                f"{_num(row['recall_at_10']):>9} {_num(row['bytes_per_face']):>10} "
                f"{_num(row.get('index_load_s')):>8}")
        lines.append("")
    enrich = result["enrich"]
    if enrich:
        lines += _enrich_lines(enrich) + [""]
    crawl = result["crawl"]
    if crawl:
        lines += _crawl_lines(crawl)
    return lines


def _enrich_lines(enrich: dict[str, Any]) -> list[str]:
    providers = ", ".join(enrich.get("providers", []))
    lines = [f"enrichment ({enrich.get('images')} images, {providers})",
             f"  jikimi faces only   {_num(enrich.get('enrich_images_per_s'))} images/s, "
             f"{_num(enrich.get('faces_per_s'))} faces/s",
             f"  jikimi full         {_num(enrich.get('enrich_full_images_per_s'))} images/s "
             f"({_num(enrich.get('full_vs_faces_only'))} of faces only; PDQ on 512 px: "
             f"{_num(enrich.get('enrich_full_pdq512_images_per_s'))}, "
             f"{_num(enrich.get('full_pdq512_vs_faces_only'))})",
             f"  FaceAnalysis        {_num(enrich.get('faceanalysis_images_per_s'))} images/s"
             + (f"  ({enrich['faceanalysis_note']})" if enrich.get("faceanalysis_note") else ""),
             f"  ratio               {_num(enrich.get('ratio_vs_faceanalysis'))}×",
             f"  FLOP ceiling        {_num(enrich.get('flop_ceiling_images_per_s'))} images/s",
             f"  embeddings cos min  {_num(enrich.get('embedding_cos_min'), 4)}"]
    for key in ("gpu_images_per_s", "gpu_faces_per_s"):
        if enrich.get(key) is not None:
            lines.append(f"  {key:<19} {_num(enrich[key])}")
    return lines


def _crawl_lines(crawl: dict[str, Any]) -> list[str]:
    lines = [f"crawl ({crawl['crawl_site_pages']} pages, {crawl['crawl_site_media']} images, "
             f"{_num(crawl['crawl_latency_ms'])} ms per response)"]
    for shape in ("pages", "sitemap"):
        row = crawl.get(shape)
        if row:
            lines.append(
                f"  from {shape:<8} first {_num(row['first_s'])} s "
                f"({_num(row['first_pages_per_s'])} pages/s), re-crawl {_num(row['recrawl_s'])} s"
                f" ({row['recrawl_pages']} pages read, {row['recrawl_bytes']} bytes): "
                f"{_num(row['recrawl_speedup'])}× faster "
                f"({_num(row['recrawl_speedup_wall'])}× with the child's start)")
    return lines
