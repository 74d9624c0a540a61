"""Calibrated vs global matching: false accepts between different people at the same TAR.

Why: issue 6's bar. A global threshold right for a mixed set lets through 3–5× more false matches
between Korean women; per-person calibration should hold each enrolled person's false-alert rate
near `matching.target_far` instead. This runs the real matcher (search/matching.py on an
in-memory SQLite store) the way production does: each enrolled person gives K photos, her
background is seeded from a separate "crawl" of strangers, then her remaining photos (genuine)
and other people's photos (impostors) arrive as new faces. Only "likely"/"strong" hits count as
accepts (they alert); "uncertain" ones go to review.

Protocol (deterministic): korean-dev — idols split by identity into two folds (enrolled / in the
background), singles split by a hash of the name (probe / background), run both ways and pooled;
impostor pairs are between different women (idols, and singles estimated female). dev — every
person enrolled, impostors are the other dev people, the background is all of korean-dev.
The global curve is every threshold of the same fused scores; for each calibrated point the
global threshold with the same TAR is found, and FAR(global) / FAR(calibrated) printed.

    python benchmarks/eval_calibration.py [--dev DIR] [--korean DIR] [--enroll K]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.calibration_sim import Case, Person, run_case  # noqa: E402
from jikimi import registry  # noqa: E402
from jikimi.evaluation import largest_face, load_groups  # noqa: E402
from kernel.records import Face  # noqa: E402
from kernel.settings import Settings, load_settings  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "faces"
# korean-dev/README.md: these idols also appear among the singles (cross-source same person).
ALIASES = {"Arin": "아린", "Chaeyong": "채영", "Dahyun": "다현", "Irene": "아이린", "Jihyo": "지효",
           "Nayeon": "나연", "Sana": "사나", "Seulgi": "슬기", "Yeji": "예지"}
TARGET_FARS = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4)


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def embed_folder(folder: Path, settings: Settings, tag: str) -> dict[str, list[Face]]:
    engine = registry.open_face_engine(settings)
    people: dict[str, list[Face]] = {}
    for name, paths in load_groups(folder).items():
        for path in paths:
            found = largest_face(engine, path, settings.media.max_pixels)
            if found is None:
                continue
            det, vector = found
            media_id = hashlib.sha256(f"{tag}/{name}/{path.name}".encode()).hexdigest()
            people.setdefault(name, []).append(Face(
                media_id=media_id, model_id=engine.model_id, index=0,
                bbox=tuple(float(v) for v in det.bbox),  # type: ignore[arg-type]
                landmarks=[(float(x), float(y)) for x, y in det.landmarks],
                det_score=float(det.score), embedding=vector))
    return people


def split_enroll(name: str, faces: list[Face], k: int) -> tuple[list[Face], list[Face]]:
    order = np.random.default_rng(_hash(name)).permutation(len(faces))
    return [faces[i] for i in order[:k]], [faces[i] for i in order[k:]]


def korean_cases(idols: dict[str, list[Face]], singles: dict[str, list[Face]],
                 gender: dict[str, str], k: int) -> list[Case]:
    names = sorted(idols, key=_hash)
    folds = [names[: len(names) // 2], names[len(names) // 2:]]
    cases = []
    for fold in (0, 1):
        enrolled, in_background = folds[fold], folds[1 - fold]
        aliases = {ALIASES.get(n) for n in enrolled}
        probe_singles = [s for s in sorted(singles) if _hash(s) % 2 == fold]
        persons = []
        for name in enrolled:
            enroll, genuine = split_enroll(name, idols[name], k)
            genuine += singles.get(ALIASES.get(name, ""), [])
            persons.append(Person(name, enroll, genuine, exclude={ALIASES.get(name, "")}))
        impostors = [(n, f) for n in enrolled for f in idols[n]]
        impostors += [(s, f) for s in probe_singles if gender.get(s) == "F"
                      and s not in aliases for f in singles[s]]
        background = [f for n in in_background for f in idols[n]]
        background += [f for s in sorted(singles) if _hash(s) % 2 != fold and s not in aliases
                       for f in singles[s]]
        cases.append(Case(persons, impostors, background))
    return cases


def dev_cases(dev: dict[str, list[Face]], background: list[Face], k: int) -> list[Case]:
    persons = []
    for name in sorted(dev):
        enroll, genuine = split_enroll(name, dev[name], min(k, len(dev[name]) - 1))
        persons.append(Person(name, enroll, genuine))
    impostors = [(n, f) for n in sorted(dev) for f in dev[n]]
    return [Case(persons, impostors, background)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=SHARED / "dev")
    parser.add_argument("--korean", type=Path, default=SHARED / "korean-dev")
    parser.add_argument("--enroll", type=int, default=3, help="enrollment photos per person")
    parser.add_argument("--min-background", type=int, default=200)
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.korean.is_dir():
        print(f"no evaluation photos at {args.korean}: nothing to evaluate")
        return 0
    settings = load_settings(args.config)
    idols = embed_folder(args.korean / "idols", settings, "idols")
    singles = embed_folder(args.korean / "singles", settings, "singles")
    gender = json.loads((args.korean / "singles-gender-estimated.json").read_text("utf-8"))
    model_id = registry.open_face_engine(settings).model_id
    print(f"model {model_id}, {args.enroll} enrollment photos per person, "
          f"backgrounds need ≥ {args.min_background} faces\n")
    run_case("korean-dev: different Korean women",
             korean_cases(idols, singles, gender, args.enroll), settings, TARGET_FARS,
             args.min_background)
    if args.dev.is_dir():
        crawl = [f for faces in (*idols.values(), *singles.values()) for f in faces]
        run_case("dev: different people (mixed set)",
                 dev_cases(embed_folder(args.dev, settings, "dev"), crawl, args.enroll),
                 settings, TARGET_FARS, args.min_background)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
