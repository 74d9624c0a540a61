"""`jikimi keys …`: the template key's fingerprint, and its rotation (see jikimi.key_rotation)."""

from __future__ import annotations

import argparse
from pathlib import Path

from jikimi import keyring
from jikimi.commands.console import command_group, emit
from jikimi.commands.review import cli_actor
from jikimi.key_rotation import rotate_keys
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    action = command_group(sub, "keys", "the template key: show its fingerprint, rotate it")
    action("show", cmd_show, "print the fingerprint of the configured key (never the key)")
    p = action("rotate", cmd_rotate, "re-encrypt every encrypted value under a new key, in "
               "place (resumable: run it again after a crash)")
    p.add_argument("--new-key-file", type=Path, required=True,
                   help="the new key (created, mode 0600, if missing); outside the data folder")


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    emit({"fingerprint": keyring.open_cipher(settings).fingerprint})
    return 0


def cmd_rotate(args: argparse.Namespace, settings: Settings) -> int:
    emit(rotate_keys(settings, args.new_key_file, cli_actor()))
    return 0
