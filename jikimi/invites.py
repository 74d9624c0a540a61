"""Inviting an enrolled person to her own account: the operator who enrolled her makes it.

The victim's account is created by an operator, for an open case whose person is enrolled, with
a first password the system draws (nobody chooses it, so nobody reuses one). The password is
returned once, to be shown once and handed over in person: it is stored only as its argon2 hash
(`jikimi.accounts`) and never written to the audit log or anywhere else. A case gets one
account; a lost password is reset by an admin (`jikimi users password`), not by inviting again.
Both the account's creation (`account.create`) and the invitation on the case (`case.invite`)
are audited with the operator; neither names the username.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from jikimi.accounts import Accounts
from jikimi.accounts.passwords import password_problems
from jikimi.cases import audit
from kernel.accounts import Account
from kernel.errors import CaseError, NotFound
from kernel.ports import Store

# No 0/o, 1/l/i: read aloud or copied from paper without mistakes. 16 of 31 symbols ≈ 79 bits.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH = 4, 4


@dataclass(frozen=True)
class Invitation:
    account: Account
    password: str = field(repr=False)  # show once, then forget


def first_password(accounts: Accounts, username: str) -> str:
    """A random password such as `k7mw-q3xd-9hpa-tz4c` that meets the password policy."""
    while True:
        password = "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
                            for _ in range(GROUPS))
        if not password_problems(password, accounts.settings, username=username):
            return password


def victim_account(accounts: Accounts, case_id: str) -> Account | None:
    """The victim account of a case, if one was made."""
    return next((a for a in accounts.list_accounts()
                 if a.role == "victim" and a.case_id == case_id), None)


def invite_victim(store: Store, accounts: Accounts, case_id: str, username: str, *,
                  actor: str) -> Invitation:
    """Create her victim account for an open, enrolled case; the password comes back once."""
    case = store.get_case(case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    if case.status != "open" or case.person_id is None:
        raise CaseError("her account can be made only for an open case she is enrolled in")
    if victim_account(accounts, case_id) is not None:
        raise CaseError("this case already has her account; an admin resets a lost password "
                        "(jikimi users password)")
    password = first_password(accounts, username)
    account = accounts.create_account(username, password, "victim", actor=actor,
                                      case_id=case_id)
    audit(store, "case.invite", actor, case_id, account_id=account.account_id)
    return Invitation(account, password)
