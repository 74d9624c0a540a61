"""Face-matching accuracy of the configured engine on the shared evaluation sets.

Why: thresholds (global and per person) must be chosen from measurements, per group of people
(jikimi/evaluation.py says what is measured). This is `jikimi eval faces` with the shared sets as
default folders; absent folders are skipped with a message.

    python benchmarks/eval_faces.py [DIR…] [--config FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jikimi.cli import main as jikimi_main  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "faces"
DEFAULT_DIRS = [SHARED / "dev", SHARED / "korean-dev"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULT_DIRS)
    parser.add_argument("--config", type=Path, default=None, help="jikimi settings file")
    args = parser.parse_args(argv)
    config = ["--config", str(args.config)] if args.config else []
    return jikimi_main([*config, "eval", "faces", *map(str, args.folders)])


if __name__ == "__main__":
    raise SystemExit(main())
