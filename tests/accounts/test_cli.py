"""`jikimi users …`: the first admin, passwords from a terminal or stdin, listing without hashes,
disable/unlock, tokens printed once; errors are one line with exit status 2."""

from __future__ import annotations

import getpass
import io
import json
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.cli import main
from kernel.errors import LoginRefused
from kernel.settings import Settings
from tests.accounts.helpers import PASSWORD, fast_settings


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("TIME_COST", "1"), ("MEMORY_KIB", "8"), ("PARALLELISM", "1")):
        monkeypatch.setenv(f"JIKIMI_ACCOUNTS__ARGON2_{name}", value)
    monkeypatch.setattr(getpass, "getuser", lambda: "tester")


class Cli:
    def __init__(self, data: Path, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.data, self.capsys, self.monkeypatch = data, capsys, monkeypatch
        self.err = ""

    def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, Any]:
        if stdin is not None:
            self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        rc = main(["--data-dir", str(self.data), "users", *args])
        captured = self.capsys.readouterr()
        self.err = captured.err
        try:
            return rc, json.loads(captured.out)
        except ValueError:
            return rc, captured.out

    def accounts(self) -> tuple[Accounts, Any]:
        store = registry.open_store(Settings(data_dir=self.data))
        return Accounts(store, fast_settings()), store


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path, capsys, monkeypatch)


def test_the_first_admin_is_created_from_stdin(cli: Cli) -> None:
    rc, out = cli("add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert rc == 0 and out["username"] == "root" and out["role"] == "admin"
    assert "password_hash" not in out and "argon2" not in json.dumps(out)
    accounts, store = cli.accounts()
    with closing(store):
        assert accounts.authenticate("root", PASSWORD).account_id == out["account_id"]
        [event] = [e for e in store.audit_events(out["account_id"])
                   if e.action == "account.create"]
        assert event.actor == "cli:tester"


def test_the_password_is_asked_twice_on_a_terminal(cli: Cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else entirely"])
    prompts: list[str] = []
    monkeypatch.setattr(getpass, "getpass",
                        lambda prompt="": prompts.append(prompt) or next(answers))
    rc, out = cli("add", "Ana", "--role", "victim", "--case", "case-3")
    assert rc == 0 and out["case_id"] == "case-3" and prompts[0] == "New password for Ana: "
    rc, _ = cli("add", "bo", "--role", "operator")
    assert rc == 2 and cli.err == "jikimi: error: the two passwords differ; nothing was changed\n"
    rc, out = cli("list", "--json")
    assert [a["username"] for a in out] == ["Ana"]


def test_without_a_terminal_the_password_must_come_on_stdin(cli: Cli,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    rc, _ = cli("add", "root", "--role", "admin")
    assert rc == 2 and "--password-stdin" in cli.err


@pytest.mark.parametrize("args, stdin, error", [
    (("add", "root", "--role", "admin", "--password-stdin"), "short\n", "password refused"),
    (("add", "ana", "--role", "victim", "--password-stdin"), PASSWORD, "needs the id of"),
    (("add", "a b", "--role", "admin", "--password-stdin"), PASSWORD, "only letters"),
    (("disable", "ghost"), None, "no account named 'ghost'"),
    (("token", "revoke", "nope"), None, "no API token with id nope"),
])
def test_errors_are_one_line_with_status_2(cli: Cli, args: tuple[str, ...], stdin: str | None,
                                           error: str) -> None:
    rc, _ = cli(*args, stdin=stdin)
    assert rc == 2 and error in cli.err
    assert cli.err.count("\n") == 1 and "Traceback" not in cli.err


def test_a_taken_name_is_refused_before_the_password_is_asked(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": pytest.fail("asked"))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    rc, _ = cli("add", "ROOT", "--role", "operator")
    assert rc == 2 and "already exists" in cli.err


def test_list_shows_state_and_never_hashes(cli: Cli) -> None:
    cli("add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    cli("add", "ana", "--role", "victim", "--case", "case-1", "--password-stdin", stdin=PASSWORD)
    accounts, store = cli.accounts()
    with closing(store):
        for _ in range(5):
            with pytest.raises(LoginRefused):
                accounts.authenticate("ana", "not her password at all")
    rc, table = cli("list")
    assert rc == 0 and "$argon2" not in table
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["USERNAME", "ROLE", "CASE", "STATE"]
    assert lines[1].split()[:4] == ["ana", "victim", "case-1", "locked"]
    assert lines[2].split()[:5] == ["root", "admin", "-", "active", "never"]
    rc, out = cli("unlock", "ana")
    assert rc == 0 and out["locked_until"] is None
    rc, out = cli("disable", "ana")
    assert rc == 0 and out["disabled"] is True
    rc, out = cli("list", "--json")
    assert [(a["username"], a["disabled"]) for a in out] == [("ana", True), ("root", False)]
    assert all("password_hash" not in a for a in out)
    rc, out = cli("enable", "ana")
    assert rc == 0 and out["disabled"] is False


def test_role_and_password_changes(cli: Cli) -> None:
    cli("add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    cli("add", "bo", "--role", "operator", "--password-stdin", stdin=PASSWORD)
    rc, out = cli("role", "bo", "victim", "--case", "case-8")
    assert rc == 0 and (out["role"], out["case_id"]) == ("victim", "case-8")
    rc, _ = cli("role", "root", "operator")
    assert rc == 2 and "last enabled admin" in cli.err
    rc, _ = cli("password", "bo", "--password-stdin", stdin="a whole new passphrase\n")
    assert rc == 0
    accounts, store = cli.accounts()
    with closing(store):
        assert accounts.authenticate("bo", "a whole new passphrase").role == "victim"


def test_a_token_is_printed_once_listed_without_it_and_revoked(cli: Cli) -> None:
    cli("add", "export-bot", "--role", "takedown", "--password-stdin", stdin=PASSWORD)
    rc, issued = cli("token", "issue", "export-bot", "--label", "nightly export", "--days", "30")
    assert rc == 0 and issued["token"].startswith("jk_") and "shown only this once" in cli.err
    rc, listed = cli("token", "list", "export-bot")
    assert rc == 0 and [t["token_id"] for t in listed] == [issued["token_id"]]
    assert issued["token"] not in json.dumps(listed) and "token_hash" not in listed[0]
    accounts, store = cli.accounts()
    with closing(store):
        bot = accounts.verify_token(issued["token"])
        assert bot is not None and bot.username == "export-bot"
    rc, revoked = cli("token", "revoke", issued["token_id"])
    assert rc == 0 and revoked["revoked_at"] is not None
    accounts, store = cli.accounts()
    with closing(store):
        assert accounts.verify_token(issued["token"]) is None
    rc, _ = cli("token", "issue", "export-bot", "--label", "x", "--days", "9999")
    assert rc == 2 and "1 to 366 days" in cli.err


def test_users_is_a_listed_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "users" in capsys.readouterr().out
