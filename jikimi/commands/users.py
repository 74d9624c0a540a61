"""`jikimi users …`: portal accounts from the command line, and how the first admin is made.

Whoever can run this CLI holds the data folder (or the Elasticsearch credentials) and so is
trusted already; every change is still audit-logged, with `cli:<os user>` as the actor.
Passwords are asked twice on the terminal (never echoed), or read as one line from stdin with
`--password-stdin` for scripts; never from an argument, which other users could see in `ps`.
Nothing printed contains a password hash; an API token is printed once, when issued.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from contextlib import closing
from typing import Any

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.accounts.admin import checked_role, clean_username
from jikimi.commands.console import Handler, emit
from kernel.accounts import ROLES, Account, ApiToken
from kernel.errors import AccountError, AlreadyExists
from kernel.records import utcnow
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "portal accounts: add, list, disable, unlock, API tokens (audited)"
    users = sub.add_parser("users", help=text, description=text)
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def add(name: str, handler: Handler, help_text: str,
            parent: Any = actions) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text,
                                                       description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("add", cmd_add, "create an account (the first admin too); asks for the password")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--case", dest="case_id", help="the victim's case id (role victim only)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password as one line from stdin instead of asking")

    p = add("list", cmd_list, "list accounts (never their password hashes)")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")

    for name, handler, help_text in (
        ("disable", cmd_disable, "disable an account and end its sessions"),
        ("enable", cmd_enable, "enable a disabled account again"),
        ("unlock", cmd_unlock, "lift a lockout after failed sign-ins"),
    ):
        add(name, handler, help_text).add_argument("username")

    p = add("role", cmd_role, "change an account's role (ends its sessions)")
    p.add_argument("username")
    p.add_argument("role", choices=ROLES)
    p.add_argument("--case", dest="case_id", help="the victim's case id (role victim only)")

    p = add("password", cmd_password, "set a new password (ends the account's sessions)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password as one line from stdin instead of asking")

    text = "API tokens for automation: issue, list, revoke"
    token = actions.add_parser("token", help=text, description=text)
    token_actions = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    p = add("issue", cmd_token_issue, "issue a token; it is printed once, keep it safe",
            token_actions)
    p.add_argument("username")
    p.add_argument("--label", required=True, help="what the token is for")
    p.add_argument("--days", type=int, help="valid for this many days (default 90)")
    p = add("list", cmd_token_list, "list tokens (never the tokens themselves)", token_actions)
    p.add_argument("username", nargs="?")
    p = add("revoke", cmd_token_revoke, "revoke a token by its id", token_actions)
    p.add_argument("token_id")


def cli_actor() -> str:
    """`cli:<os user>`: the audit log's actor for what is done from this command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return "cli:unknown"


def read_password(args: argparse.Namespace, username: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("no terminal to ask for the password: pipe it in with "
                           "--password-stdin")
    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("The same password again: ") != first:
        raise AccountError("the two passwords differ; nothing was changed")
    return first


def account_view(account: Account) -> dict[str, Any]:
    """What the CLI shows of an account: never the password hash."""
    locked = account.locked_until if account.is_locked(utcnow()) else None
    return {
        "account_id": account.account_id, "username": account.username, "role": account.role,
        "case_id": account.case_id, "disabled": account.disabled, "locked_until": locked,
        "created_at": account.created_at, "last_login": account.last_login,
    }


def token_view(token: ApiToken) -> dict[str, Any]:
    return {"token_id": token.token_id, "account_id": token.account_id, "label": token.label,
            "created_at": token.created_at, "expires_at": token.expires_at,
            "last_used": token.last_used, "revoked_at": token.revoked_at}


def _run(settings: Settings, work: Callable[[Accounts], Any]) -> int:
    with closing(registry.open_store(settings)) as store:
        result = work(Accounts(store, settings.accounts))
    emit(result)
    return 0


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        username = clean_username(args.username)  # before asking: fail fast
        checked_role(args.role, args.case_id)
        if store.get_account_by_username(username) is not None:
            raise AlreadyExists(f"an account named {username!r} already exists")
        password = read_password(args, username)
        account = Accounts(store, settings.accounts).create_account(
            username, password, args.role, case_id=args.case_id, actor=cli_actor())
    emit(account_view(account))
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        views = [account_view(a) for a in Accounts(store, settings.accounts).list_accounts()]
    if args.json:
        emit(views)
        return 0
    print(f"{'USERNAME':24} {'ROLE':9} {'CASE':14} {'STATE':9} {'LAST LOGIN':20} ACCOUNT ID")
    for v in views:
        state = "disabled" if v["disabled"] else "locked" if v["locked_until"] else "active"
        last = v["last_login"].strftime("%Y-%m-%d %H:%M") if v["last_login"] else "never"
        print(f"{v['username']:24} {v['role']:9} {v['case_id'] or '-':14} {state:9} "
              f"{last:20} {v['account_id']}")
    return 0


def cmd_disable(args: argparse.Namespace, settings: Settings) -> int:
    return _run(settings, lambda accounts: account_view(accounts.disable_account(
        accounts.account_named(args.username).account_id, actor=cli_actor())))


def cmd_enable(args: argparse.Namespace, settings: Settings) -> int:
    return _run(settings, lambda accounts: account_view(accounts.enable_account(
        accounts.account_named(args.username).account_id, actor=cli_actor())))


def cmd_unlock(args: argparse.Namespace, settings: Settings) -> int:
    return _run(settings, lambda accounts: account_view(accounts.unlock_account(
        accounts.account_named(args.username).account_id, actor=cli_actor())))


def cmd_role(args: argparse.Namespace, settings: Settings) -> int:
    return _run(settings, lambda accounts: account_view(accounts.set_role(
        accounts.account_named(args.username).account_id, args.role, case_id=args.case_id,
        actor=cli_actor())))


def cmd_password(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        accounts = Accounts(store, settings.accounts)
        account = accounts.account_named(args.username)  # before asking: fail fast
        password = read_password(args, account.username)
        view = account_view(accounts.set_password(account.account_id, password,
                                                  actor=cli_actor()))
    emit(view)
    return 0


def cmd_token_issue(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        accounts = Accounts(store, settings.accounts)
        account = accounts.account_named(args.username)
        issued = accounts.issue_token(account.account_id, args.label, days=args.days,
                                      actor=cli_actor())
    print("the token is shown only this once: store it where the automation reads it",
          file=sys.stderr)
    emit(token_view(issued.record) | {"username": account.username, "token": issued.token})
    return 0


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    def tokens(accounts: Accounts) -> list[dict[str, Any]]:
        owner = accounts.account_named(args.username).account_id if args.username else None
        return [token_view(t) for t in accounts.list_tokens(owner)]

    return _run(settings, tokens)


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    return _run(settings, lambda accounts: token_view(
        accounts.revoke_token(args.token_id, actor=cli_actor())))
