"""`jikimi …` run in the test's own process against one data folder, for end-to-end tests that
walk the CLI the way an operator does (enroll, run, review, takedown)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jikimi.cli import main


def cli_runner(capsys: pytest.CaptureFixture[str], data: Path) -> Callable[..., Any]:
    """A function running `jikimi --data-dir DATA ARGS…`: it asserts exit status 0 and returns
    what was printed, parsed when it is JSON, else as text."""

    def jikimi(*args: str) -> Any:
        assert main(["--data-dir", str(data), *args]) == 0
        out = capsys.readouterr().out
        return json.loads(out) if out.strip().startswith(("{", "[")) else out

    return jikimi
