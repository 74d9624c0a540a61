"""Errors a person can read (finding 10): a config file's syntax error is one line with the file,
line and column (exit 2); a reader closing stdout early ends the command quietly (exit 141)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jikimi.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("name", "text", "where"), [
    ("jikimi.toml", '[crawl]\nallow_private = true\ndelay = \n', "line 3, column 9"),
    ("jikimi.yaml", "crawl:\n  allow_private: true\n bad: [\n", "line 3, column 2"),
])
def test_a_config_syntax_error_is_one_line_with_file_line_and_column(
    tmp_path: Path, capsys, name: str, text: str, where: str
) -> None:
    config = tmp_path / name
    config.write_text(text)
    code = main(["--config", str(config), "--data-dir", str(tmp_path), "persons"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"jikimi: error: config file {config}: ") and where in err


def test_a_config_file_that_is_not_a_mapping_is_refused_in_one_line(
    tmp_path: Path, capsys
) -> None:
    config = tmp_path / "jikimi.yaml"
    config.write_text("- crawl\n- media\n")
    assert main(["--config", str(config), "--data-dir", str(tmp_path), "persons"]) == 2
    assert capsys.readouterr().err == (
        f"jikimi: error: config file {config}: the top level must be a mapping of settings, "
        "not a list\n")


def test_stdout_closed_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    """`jikimi hits --json | head -1`: the reader is gone before jikimi writes (no timing)."""
    command = subprocess.Popen(
        [sys.executable, "-m", "jikimi.cli", "--data-dir", str(tmp_path), "hits", "--json"],
        cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert command.stdout is not None and command.stderr is not None
    command.stdout.close()  # the reader leaves at once
    err = command.stderr.read().decode()
    assert command.wait(timeout=60) == 141
    assert "BrokenPipeError" not in err and "Traceback" not in err and "Exception" not in err
