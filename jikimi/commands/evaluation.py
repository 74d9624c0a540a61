"""`jikimi eval faces DIR…`: how well the configured face engine separates people, per group.

It only reads labelled evaluation folders (never the store) and prints measurements. Built-in
models' thresholds are chosen from them by a person; for a brought-in recognizer
(`faces.recognizer_dir`), `--write-thresholds` writes the threshold at `--target-far` over all
folders named into thresholds.yaml beside its manifest (see jikimi.threshold_measure). A missing
folder is skipped with a message on stderr and the exit status says so: 1 (partial) when others
were evaluated, 2 when none of the folders named exists (nothing to evaluate: a wrong path).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from jikimi import registry, threshold_measure
from jikimi.commands import exits
from jikimi.commands.console import Handler, emit
from jikimi.evaluation import (
    LabelledFaces,
    OperatingPoint,
    SetReport,
    embed_set,
    evaluate_pairs,
    find_sets,
    load_groups,
    pair_scores,
    subgroup_labels,
    subgroup_reports,
)
from kernel.errors import ConfigError
from kernel.ports import FaceEngine
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = sub.add_parser("eval", help="measure matching accuracy on labelled photo sets",
                              description="measure matching accuracy on labelled photo sets")
    kinds = evaluate.add_subparsers(dest="eval_kind", required=True, metavar="KIND")
    faces = kinds.add_parser("faces", help="face verification: same vs different people",
                             description="folders of identities: identities.json, one "
                                         "sub-folder per person, or one photo per person")
    faces.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    faces.add_argument("--json", action="store_true", help="print JSON instead of text")
    faces.add_argument("--write-thresholds", action="store_true",
                       help="measure the brought-in recognizer's threshold (faces.recognizer_dir) "
                            "on all folders and write thresholds.yaml beside its manifest")
    faces.add_argument("--target-far", type=float, metavar="RATE",
                       help="false accepts per different-person pair for --write-thresholds "
                            "(default matching.target_far)")
    handler: Handler = cmd_eval_faces
    faces.set_defaults(handler=handler)


def cmd_eval_faces(args: argparse.Namespace, settings: Settings) -> int:
    missing = [folder for folder in args.folders if not folder.is_dir()]
    if len(missing) == len(args.folders):
        raise ConfigError(f"no such folder: {', '.join(map(str, missing))}")
    target_far = settings.matching.target_far if args.target_far is None else args.target_far
    if not 0 < target_far < 1:
        raise ConfigError(f"--target-far must lie between 0 and 1, not {target_far:g}")
    to_measure = (threshold_measure.manifest_to_measure(settings.faces)
                  if args.write_thresholds else None)
    engine = registry.open_face_engine(settings)
    in_use = settings.faces.threshold_for(engine.model_id)
    reports: list[SetReport] = []
    pool = LabelledFaces()  # every folder's faces, for --write-thresholds
    for folder in args.folders:
        if folder in missing:
            print(f"{folder}: not found, skipped", file=sys.stderr)
            continue
        reports += evaluate_folder(folder, engine, settings, in_use, quiet=args.json, pool=pool)
    if args.json:
        emit([_as_json(r) for r in reports])
    else:
        for report in reports:
            print("\n".join(format_report(report)))
    if to_measure is not None:
        manifest, recognizer_dir = to_measure
        sets = [folder.name for folder in args.folders if folder not in missing]
        measured = threshold_measure.measure(pool, manifest, target_far, sets)
        line = threshold_measure.write_and_describe(recognizer_dir, measured)
        print(line, file=sys.stderr if args.json else sys.stdout)
    return exits.for_errors(missing)


def evaluate_folder(folder: Path, engine: FaceEngine, settings: Settings, in_use: float, *,
                    quiet: bool = False, pool: LabelledFaces | None = None) -> list[SetReport]:
    """Reports for each set in `folder`, each set's subgroups, and all sets combined (also added
    to `pool`, people told apart by folder and set)."""
    labels = subgroup_labels(folder)
    combined = LabelledFaces()
    reports = []
    sets = find_sets(folder)
    for name, path in sets:
        started = time.perf_counter()
        groups = load_groups(path)
        faces = embed_set(name, groups, engine, settings.media.max_pixels)
        if not quiet:
            print(f"{path}: {len(groups)} people, {sum(map(len, groups.values()))} photos, "
                  f"model {engine.model_id}, {time.perf_counter() - started:.1f} s; "
                  f"without a usable face: {len(faces.missing)} {' '.join(faces.missing)}")
        reports += _reports(name, faces, labels | subgroup_labels(path), in_use)
        for attr in ("labels", "names", "vectors", "missing"):
            getattr(combined, attr).extend(getattr(faces, attr))
    if len(sets) > 1:  # people are told apart by set, so a name in two sets counts twice
        reports += _reports(f"{folder.name} (all sets)", combined, {}, in_use)
    if pool is not None:
        pool.labels.extend(f"{folder}/{label}" for label in combined.labels)
        pool.vectors.extend(combined.vectors)
    return reports


def _reports(name: str, faces: LabelledFaces, labels: dict[str, dict[str, str]],
             in_use: float) -> list[SetReport]:
    if len(faces.vectors) < 2:
        return []
    same, diff = pair_scores(faces.labels, faces.matrix)
    whole = evaluate_pairs(name, len(set(faces.labels)), len(faces.labels), same, diff, in_use)
    return [whole, *subgroup_reports(name, faces, labels, in_use)]


def _describe(name: str, values: np.ndarray) -> str:
    if len(values) == 0:
        return f"  {name:<17} none"
    p1, p50, p99 = np.percentile(values, [1, 50, 99])
    return (f"  {name:<17} n={len(values):<7} mean={values.mean():.3f} min={values.min():.3f} "
            f"p1={p1:.3f} p50={p50:.3f} p99={p99:.3f} max={values.max():.3f}")


def _point(point: OperatingPoint, diff_pairs: int) -> str:
    tar = "—" if point.tar is None else f"{point.tar:.3f}"
    what = (f"at threshold in use {point.threshold:.3f}:" if point.far_target is None
            else f"FAR {point.far_target:g}: threshold {point.threshold:.3f},")
    note = "" if point.resolvable else f" (only {diff_pairs} different-person pairs)"
    return f"  {what} TAR {tar}, FAR {point.far:.5f}{note}"


def format_report(report: SetReport) -> list[str]:
    auc = "—" if report.auc is None else f"{report.auc:.4f}"
    lines = [f"== {report.name}: {report.people} people, {report.photos} photos, ROC AUC {auc}",
             _describe("same person", report.same), _describe("different people", report.diff)]
    lines += [_point(p, len(report.diff)) for p in report.points]
    lines.append(_point(report.in_use, len(report.diff)))
    return lines


def _as_json(report: SetReport) -> dict[str, object]:
    def stats(values: np.ndarray) -> dict[str, float | int]:
        if len(values) == 0:
            return {"n": 0}
        return {"n": len(values), "mean": round(float(values.mean()), 4),
                "min": round(float(values.min()), 4), "max": round(float(values.max()), 4)}

    return {
        "set": report.name, "people": report.people, "photos": report.photos,
        "roc_auc": report.auc, "same": stats(report.same), "different": stats(report.diff),
        "operating_points": [p.__dict__ for p in report.points],
        "in_use": report.in_use.__dict__,
    }
