"""The template key held by a KMS or secret manager: `security.template_key_command` prints it.

Real subprocesses throughout (small Python scripts run with this interpreter, standing in for
`aws secretsmanager …` or `vault kv get …`): the accepted forms of output, the key used by the
store across a "restart", and failures that name the program, its status and its stderr but
never echo its stdout, which may be the key.
"""

from __future__ import annotations

import base64
import json
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from cryptography.fernet import Fernet

from jikimi import keyring, registry
from jikimi.cli import main
from jikimi.key_command import key_for_process, key_from_command
from jikimi.key_rotation import rotate_keys
from kernel.errors import ConfigError
from kernel.settings import Settings, load_settings
from search.crypto import TemplateCipher
from tests.factories import MODEL_ID, make_person, make_template

# 32 bytes whose standard base64 holds '+' and '/', so it differs from the Fernet (urlsafe) text
RAW = bytes([0xFB, 0xEF, 0xFF, 0x3E, 0x3F] * 7)[:32]
FERNET = base64.urlsafe_b64encode(RAW)
STANDARD = base64.b64encode(RAW)
SECRET = "sk-live-DO-NOT-ECHO-7f3a9c"


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Each test starts as a new process would: no key kept from an earlier command."""
    key_for_process.cache_clear()
    yield
    key_for_process.cache_clear()


def command(tmp_path: Path, body: str, name: str = "kms.py") -> list[str]:
    """argv running `body` as a Python script, the way a secret manager's CLI would be run."""
    script = tmp_path / name
    script.write_text(textwrap.dedent(body))
    return [sys.executable, str(script)]


def printing(tmp_path: Path, output: bytes, name: str = "kms.py") -> list[str]:
    return command(tmp_path, f"""
        import sys
        sys.stdout.buffer.write({output!r})
        """, name)


def guarded(tmp_path: Path, argv: list[str], **security: object) -> Settings:
    """Production-like settings: no key in the data folder, the key from the command."""
    return Settings.model_validate({"data_dir": tmp_path / "data", "security": {
        "allow_key_in_data_dir": False, "template_key_command": argv, **security}})


def test_the_three_accepted_forms_give_the_same_key(tmp_path: Path) -> None:
    assert STANDARD != FERNET and (b"+" in STANDARD or b"/" in STANDARD)
    token = TemplateCipher(FERNET).encrypt_text("김지킴이 contact")
    forms = {
        "fernet": FERNET + b"\n",
        "standard base64 of 32 bytes": b"  " + STANDARD + b"\r\n",
        "base64 of a Fernet key's text": base64.b64encode(FERNET + b"\n") + b"\n",
        "urlsafe base64 of a Fernet key's text": base64.urlsafe_b64encode(FERNET),
    }
    fingerprints = set()
    for i, output in enumerate(forms.values()):
        key = key_from_command(printing(tmp_path, output, f"form{i}.py"), timeout=10)
        assert key == FERNET
        cipher = TemplateCipher(key)
        fingerprints.add(cipher.fingerprint)
        assert cipher.decrypt_text(token) == "김지킴이 contact"
    assert fingerprints == {TemplateCipher(FERNET).fingerprint}


def test_the_store_reads_its_data_again_with_the_key_from_the_command(tmp_path: Path) -> None:
    runs = tmp_path / "runs.log"
    argv = command(tmp_path, f"""
        with open({str(runs)!r}, "a") as log:
            log.write("run\\n")
        print({FERNET.decode()!r})
        """)
    settings = guarded(tmp_path, argv)
    person = make_person("Kim")
    template = make_template(person.person_id, seed=3)
    with closing(registry.open_store(settings)) as store:
        store.add_person(person, [template])
    assert keyring.open_cipher(settings).fingerprint == TemplateCipher(FERNET).fingerprint
    assert runs.read_text() == "run\n"  # once per process, however often a cipher is opened

    key_for_process.cache_clear()  # a restart: the command runs again
    with closing(registry.open_store(guarded(tmp_path, argv))) as store:
        (stored,) = store.templates(MODEL_ID)
        np.testing.assert_array_equal(stored.embedding, template.embedding)
        found = store.get_person(person.person_id)
        assert found is not None and found.name == "Kim"
    assert runs.read_text() == "run\nrun\n"
    assert not (tmp_path / "data" / "keys").exists()  # the key never touched the data host
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and FERNET in p.read_bytes()
                and p.suffix != ".py"]


def test_the_previous_key_file_still_reads_alongside_the_command(tmp_path: Path) -> None:
    old_file = tmp_path / "old.key"
    old_file.write_bytes(Fernet.generate_key())
    old_token = TemplateCipher(old_file.read_bytes()).encrypt_text("written before rotation")
    cipher = keyring.open_cipher(guarded(tmp_path, printing(tmp_path, FERNET),
                                         previous_key_file=old_file))
    assert cipher.fingerprint == TemplateCipher(FERNET).fingerprint  # the command's key writes
    assert cipher.decrypt_text(old_token) == "written before rotation"


def test_template_key_comes_before_the_command(tmp_path: Path) -> None:
    other = Fernet.generate_key()
    never = command(tmp_path, "raise SystemExit('must not run')")
    settings = guarded(tmp_path, never, template_key=other.decode())
    assert keyring.open_cipher(settings).fingerprint == TemplateCipher(other).fingerprint


def test_a_failing_command_names_program_status_and_stderr_never_stdout(tmp_path: Path) -> None:
    argv = command(tmp_path, f"""
        import sys
        print({FERNET.decode()!r})
        print("retrying after throttling", file=sys.stderr)
        print("AccessDeniedException: not authorized on jikimi/template-key", file=sys.stderr)
        sys.exit(3)
        """)
    with pytest.raises(ConfigError) as caught:
        key_from_command(argv, timeout=10)
    message = str(caught.value)
    assert "security.template_key_command" in message and sys.executable in message
    assert "status 3" in message
    assert "AccessDeniedException: not authorized on jikimi/template-key" in message
    assert "retrying" not in message  # only the last line of stderr
    assert FERNET.decode() not in message and "\n" not in message


def test_a_secret_printed_before_failing_is_never_shown(tmp_path: Path) -> None:
    argv = command(tmp_path, f"""
        import sys
        sys.stdout.write({SECRET!r})
        sys.exit(1)
        """)
    with pytest.raises(ConfigError, match="status 1 \\(nothing on stderr\\)") as caught:
        key_from_command(argv, timeout=10)
    assert SECRET not in str(caught.value)


def test_a_command_past_its_timeout_is_killed_with_what_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    argv = command(tmp_path, f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        with open({str(pids)!r}, "w") as fh:
            fh.write(f"{{child.pid}}\\n")
        print("waiting for the KMS", file=sys.stderr, flush=True)
        time.sleep(60)
        """)
    start = time.monotonic()
    with pytest.raises(ConfigError, match=r"within the 0\.5 s timeout") as caught:
        key_for_process(tuple(argv), 0.5)
    assert time.monotonic() - start < 10
    assert "key_command_timeout" in str(caught.value)
    assert "waiting for the KMS" in str(caught.value)
    child = int(pids.read_text())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)  # the whole session was killed, not just the command


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "\nState:\tZ" not in status


def test_a_missing_or_unrunnable_program_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="jikimi-no-such-kms-cli not found"):
        key_from_command(["jikimi-no-such-kms-cli", "get"], timeout=10)
    not_executable = tmp_path / "kms"
    not_executable.write_text("#!/bin/sh\necho key\n")
    not_executable.chmod(0o600)
    with pytest.raises(ConfigError, match=f"cannot run {not_executable}"):
        key_from_command([str(not_executable)], timeout=10)
    with pytest.raises(ConfigError, match="is empty"):
        key_from_command([], timeout=10)


@pytest.mark.parametrize("output", [
    b"",
    b"\n  \n",
    b"not-a-key-" + SECRET.encode(),
    FERNET[:-1],  # unpadded
    base64.urlsafe_b64encode(RAW[:31]),  # 31 bytes
    base64.b64encode(RAW + b"\0"),  # 33 bytes
    base64.b64encode(SECRET.encode()),  # base64, but not of a key
    FERNET + b" " + FERNET,  # two keys
    RAW,  # raw bytes, not base64
    "키".encode() * 20,
], ids=["empty", "blank", "text", "unpadded", "31-bytes", "33-bytes", "b64-text", "two-keys",
        "raw", "non-ascii"])
def test_anything_else_printed_is_refused_without_showing_it(
        tmp_path: Path, output: bytes) -> None:
    with pytest.raises(ConfigError, match="exited with status 0 but printed no") as caught:
        key_from_command(printing(tmp_path, output), timeout=10)
    message = str(caught.value)
    assert SECRET not in message and "not-a-key" not in message
    assert FERNET[:20].decode() not in message


def test_the_command_and_timeout_come_from_the_environment_as_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aws = ["aws", "secretsmanager", "get-secret-value", "--secret-id", "jikimi/template-key",
           "--query", "SecretString", "--output", "text"]
    monkeypatch.setenv("JIKIMI_SECURITY__TEMPLATE_KEY_COMMAND", json.dumps(aws))
    monkeypatch.setenv("JIKIMI_SECURITY__KEY_COMMAND_TIMEOUT", "7.5")
    security = load_settings(data_dir=tmp_path / "data").security
    assert security.template_key_command == aws and security.key_command_timeout == 7.5
    assert Settings().security.template_key_command == aws

    for bad in ("[]", "aws secretsmanager get-secret-value"):
        monkeypatch.setenv("JIKIMI_SECURITY__TEMPLATE_KEY_COMMAND", bad)
        with pytest.raises(ConfigError, match="security.template_key_command"):
            load_settings(data_dir=tmp_path / "data")
    monkeypatch.delenv("JIKIMI_SECURITY__TEMPLATE_KEY_COMMAND")
    monkeypatch.setenv("JIKIMI_SECURITY__KEY_COMMAND_TIMEOUT", "0")
    with pytest.raises(ConfigError, match="security.key_command_timeout"):
        load_settings(data_dir=tmp_path / "data")


def test_keys_show_prints_the_fingerprint_of_the_commands_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIKIMI_SECURITY__ALLOW_KEY_IN_DATA_DIR", "false")
    monkeypatch.setenv("JIKIMI_SECURITY__TEMPLATE_KEY_COMMAND",
                       json.dumps(printing(tmp_path, STANDARD + b"\n")))
    assert main(["--data-dir", str(tmp_path / "data"), "keys", "show"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {"fingerprint": TemplateCipher(FERNET).fingerprint}
    assert FERNET.decode() not in out and STANDARD.decode() not in out

    key_for_process.cache_clear()
    failing = command(tmp_path, f"""
        import sys
        print({SECRET!r})
        print("Code: 403. permission denied", file=sys.stderr)
        sys.exit(2)
        """, "vault.py")
    monkeypatch.setenv("JIKIMI_SECURITY__TEMPLATE_KEY_COMMAND", json.dumps(failing))
    assert main(["--data-dir", str(tmp_path / "data"), "keys", "show"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("jikimi: error: security.template_key_command: ")
    assert "status 2: Code: 403. permission denied" in captured.err
    assert SECRET not in captured.err + captured.out
    assert sys.executable in captured.err  # the program, argv[0]


def test_rotation_with_a_command_says_to_store_the_new_key_as_the_secret(tmp_path: Path) -> None:
    settings = guarded(tmp_path, printing(tmp_path, FERNET))
    person = make_person("Kim")
    with closing(registry.open_store(settings)) as store:
        store.add_person(person, [make_template(person.person_id, seed=4)])
    new_key = tmp_path / "tmpfs" / "template.key"
    done = rotate_keys(settings, new_key, actor="cli:test")
    assert new_key.exists() and done["from"] != done["to"]
    assert "security.template_key_command prints" in done["next"]
    assert "template_key_file =" not in done["next"]
    assert done["rewritten"]["persons"] == 1 and done["rewritten"]["templates"] == 1
