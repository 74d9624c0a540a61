"""`jikimi contacts webhook-secret PERSON_ID [--rotate]`: the state of a person's webhook
signing secret, or a new one (printed once; audited without it).

Without `--rotate` nothing secret is printed: the secret was shown when it was issued and is
never shown again (jikimi/webhook_secrets.py explains why each receiver has its own).
"""

from __future__ import annotations

import argparse
from contextlib import closing

from jikimi import registry
from jikimi.cases import os_operator
from jikimi.commands.console import emit
from jikimi.webhook_secrets import SHOWN_ONCE, rotate_webhook_secret
from kernel.errors import NotFound
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "a person's contacts: her webhook's signing secret"
    contacts = sub.add_parser("contacts", help=text, description=text)
    actions = contacts.add_subparsers(dest="contacts_command", required=True, metavar="ACTION")
    about = "whether her webhook has its own signing secret; --rotate issues a new one"
    p = actions.add_parser("webhook-secret", help=about, description=about)
    p.set_defaults(handler=cmd_webhook_secret)
    p.add_argument("person_id", metavar="PERSON_ID")
    p.add_argument("--rotate", action="store_true",
                   help="replace the secret (the old one stops verifying at once) and print the "
                        "new one once")


def cmd_webhook_secret(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        if args.rotate:
            secret = rotate_webhook_secret(store, args.person_id, os_operator())
            emit({"person_id": args.person_id, "webhook_secret": secret, "notice": SHOWN_ONCE})
            return 0
        person = store.get_person(args.person_id)
        if person is None:
            raise NotFound(f"no enrolled person with id {args.person_id}")
        own = person.webhook_secret is not None
        emit({"person_id": person.person_id, "ref": person.ref, "webhook": bool(person.webhook),
              "signed_with": "own secret" if own else
              "shared alerts.webhook_secret (rotate to give it its own)" if person.webhook
              else None})
    return 0
