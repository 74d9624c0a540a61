"""The template key printed by a command, so that a KMS or secret manager holds it, not a file.

Why: a key file on the data host is a copy of the key on the same disk, in the same backups and
in reach of the same intruder as the data it protects. With `security.template_key_command` the
key stays in a KMS or secret manager (AWS Secrets Manager, HashiCorp Vault, …) and reaches
jikimi only through the standard output of that store's own CLI: it never touches the data
host's disk, and who may read it is the secret manager's to grant, audit and revoke.

How it runs: once per process start (`key_for_process` keeps what it printed for the life of the
process; every store, locker and worker of the process shares it), as an argv list without a
shell (nothing is expanded, quoted or interpolated), with stdin closed (/dev/null, so it cannot
hang on a prompt), in a session of its own (so a timeout kills it and whatever it started), with
jikimi's environment (credentials such as AWS_PROFILE or VAULT_TOKEN reach it that way) and
within `security.key_command_timeout` seconds.

What it may print (surrounding whitespace ignored):
- a Fernet key: urlsafe base64 of 32 bytes, what a key file holds;
- standard base64 of 32 raw bytes (`openssl rand -base64 32`), turned into a Fernet key;
- base64 of a Fernet key's text (as some stores and Kubernetes secrets hand values out).

Every failure (program missing, non-zero exit, timeout, anything else printed) is a ConfigError
naming the program, its exit status and the last line of its stderr, and never anything from its
stdout, which may hold the key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Sequence
from functools import lru_cache

from kernel.errors import ConfigError

SETTING = "security.template_key_command"
_FERNET_TEXT = re.compile(rb"[A-Za-z0-9_-]{43}=")
_STANDARD = re.compile(rb"[A-Za-z0-9+/]+={0,2}")
_URLSAFE = re.compile(rb"[A-Za-z0-9_-]+={0,2}")
_MAX_STDERR_LINE = 300
_REAP_S = 2.0  # after a timeout: how long to wait for the killed command's last stderr


@lru_cache(maxsize=4)
def key_for_process(argv: tuple[str, ...], timeout: float) -> bytes:
    """`key_from_command`, run once per process for each command (failures are not kept)."""
    return key_from_command(argv, timeout)


def key_from_command(argv: Sequence[str], timeout: float) -> bytes:
    """The Fernet key that `argv` prints; ConfigError (without its stdout) if it prints none."""
    if not argv:
        raise ConfigError(f"{SETTING} is empty: give the command as a list, e.g. "
                          '["vault", "kv", "get", "-field=key", "secret/jikimi"]')
    program = argv[0]
    stdout, stderr, status = _run(list(argv), timeout)
    if status != 0:
        how = (f"was killed by signal {-status}" if status < 0
               else f"exited with status {status}")
        raise ConfigError(f"{SETTING}: {program} {how}{_last_line(stderr)}")
    key = parse_key(stdout)
    if key is None:
        printed = "printed no usable key" if stdout.strip() else "printed nothing"
        raise ConfigError(
            f"{SETTING}: {program} exited with status 0 but {printed} (want a Fernet key, "
            f"base64 of 32 bytes, or base64 of a Fernet key; its output is not shown)"
            f"{_last_line(stderr)}")
    return key


def parse_key(output: bytes) -> bytes | None:
    """A Fernet key from what a command printed, in one of the three accepted forms, or None."""
    text = output.strip()
    if _FERNET_TEXT.fullmatch(text) and len(_decode(text) or b"") == 32:
        return text
    raw = _decode(text)
    if raw is None:
        return None
    if len(raw) == 32:
        return base64.urlsafe_b64encode(raw)
    inner = raw.strip()
    if _FERNET_TEXT.fullmatch(inner) and len(_decode(inner) or b"") == 32:
        return inner
    return None


def _decode(text: bytes) -> bytes | None:
    """`text` decoded as standard or urlsafe base64 (padded), or None if it is neither."""
    try:
        if _STANDARD.fullmatch(text):
            return base64.b64decode(text, validate=True)
        if _URLSAFE.fullmatch(text):
            return base64.urlsafe_b64decode(text)
    except (binascii.Error, ValueError):
        return None
    return None


def _run(argv: list[str], timeout: float) -> tuple[bytes, bytes, int]:
    program = argv[0]
    try:
        proc = subprocess.Popen(  # argv from the operator's settings, never a shell
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)
    except FileNotFoundError:
        raise ConfigError(f"{SETTING}: {program} not found (is it installed, and on the PATH "
                          "of jikimi's environment?)") from None
    except OSError as exc:
        raise ConfigError(f"{SETTING}: cannot run {program}: {exc.strerror}") from None
    with proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stderr = _kill(proc)
            raise ConfigError(
                f"{SETTING}: {program} did not finish within the {timeout:g} s timeout "
                f"(security.key_command_timeout) and was killed{_last_line(stderr)}") from None
    return stdout, stderr, proc.returncode


def _kill(proc: subprocess.Popen[bytes]) -> bytes:
    """Kill the command's whole session; what it wrote to stderr (its stdout is dropped)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        return proc.communicate(timeout=_REAP_S)[1]
    except subprocess.TimeoutExpired:  # a descendant left the session and holds the pipes
        proc.kill()
        proc.wait()
        return b""


def _last_line(stderr: bytes) -> str:
    """': <the last non-empty line of stderr>', one line of printable text, or a note of none."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return " (nothing on stderr)"
    line = "".join(ch if ch.isprintable() else "?" for ch in lines[-1])
    if len(line) > _MAX_STDERR_LINE:
        line = line[:_MAX_STDERR_LINE] + "…"
    return f": {line}"
