"""Test-only fault injection: die by SIGKILL at a named point of the pipeline.

A crash can come between any two writes (OOM killer, a node lost, `kill -9`). The chaos tests
(tests/test_chaos.py) set `JIKIMI_CHAOS_POINT=NAME` or `NAME@N` and run the pipeline in a
subprocess that kills itself the N-th time (default: the first) it reaches `point(NAME)`; a rerun
must then lose nothing and duplicate nothing. `JIKIMI_CHAOS_MARK=FILE` makes it write NAME to FILE
first, so a test knows the point was reached.

Inert unless the variable is set; nobody deploys with it. It is read from the environment, not
from Settings, on purpose: it is not configuration, it must work in the crawl child and in code
that is given only its own settings section, and kernel/ is the one place every package may import.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

POINT_VARIABLE = "JIKIMI_CHAOS_POINT"
MARK_VARIABLE = "JIKIMI_CHAOS_MARK"
_passes: Counter[str] = Counter()


def point(name: str) -> None:
    """Kill this process here if the chaos variable names this point (and this pass)."""
    wanted = os.environ.get(POINT_VARIABLE)
    if not wanted:
        return
    target, _, nth = wanted.partition("@")
    if target != name:
        return
    _passes[name] += 1
    if _passes[name] < int(nth or 1):
        return
    mark = os.environ.get(MARK_VARIABLE)
    if mark:
        Path(mark).write_text(name, encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
