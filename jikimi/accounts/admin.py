"""Managing accounts: create, change role, disable and enable, unlock, set a new password.

Every change is audit-logged with who made it (`actor`). Changes that alter what an account may
do or prove (role, disabling, a new password) also end its web sessions, so nobody keeps a
session with rights they no longer have. The last enabled admin can be neither disabled nor
demoted: someone must always be able to manage the portal. Rules on names: a username is 2–64
letters, digits or `. _ - @ +` (an e-mail address is fine); a victim's account has exactly one
case, and no other role has one.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import cast

from jikimi.accounts.core import AccountsCore
from jikimi.accounts.passwords import check_password
from kernel.accounts import ROLES, Account, Role, username_key
from kernel.errors import AccountError

USERNAME_PUNCTUATION = frozenset("._-@+")


def clean_username(username: str) -> str:
    """The username as it will be stored (NFKC, outer spaces gone), or AccountError."""
    name = unicodedata.normalize("NFKC", username).strip()
    if not 2 <= len(name) <= 64:
        raise AccountError("a username has 2 to 64 characters")
    if not all(ch.isalnum() or ch in USERNAME_PUNCTUATION for ch in name):
        raise AccountError("a username has only letters, digits and . _ - @ +")
    return name


def checked_role(role: str, case_id: str | None) -> tuple[Role, str | None]:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    case = case_id.strip() if case_id else None
    if role == "victim" and not case:
        raise AccountError("a victim's account needs the id of her case (--case)")
    if role != "victim" and case:
        raise AccountError("only a victim's account has a case; other roles see all cases")
    if case and (len(case) > 128 or any(ch.isspace() for ch in case)):
        raise AccountError("a case id has at most 128 characters and no spaces")
    return cast(Role, role), case


class AccountAdmin(AccountsCore):
    def create_account(self, username: str, password: str, role: str, *, actor: str,
                       case_id: str | None = None) -> Account:
        name = clean_username(username)
        checked, case = checked_role(role, case_id)
        check_password(password, self._settings, username=name)
        account = Account(account_id=secrets.token_hex(16), username=name, role=checked,
                          password_hash=self._passwords.hash(password), case_id=case,
                          created_at=self._now())
        self._store.add_account(account)
        self._audit("account.create", actor, account.account_id, role=checked, case_id=case)
        return account

    def list_accounts(self) -> list[Account]:
        return sorted(self._store.list_accounts(), key=lambda a: username_key(a.username))

    def set_role(self, account_id: str, role: str, *, actor: str,
                 case_id: str | None = None) -> Account:
        account = self.account(account_id)
        checked, case = checked_role(role, case_id)
        if account.role == "admin" and checked != "admin":
            self._keep_an_admin(account)
        before = (account.role, account.case_id)
        account.role, account.case_id = checked, case
        self._store.update_account(account)
        ended = self._store.delete_account_sessions(account_id)
        self._audit("account.role", actor, account_id, role_from=before[0], role_to=checked,
                    case_from=before[1], case_to=case, sessions_ended=ended)
        return account

    def disable_account(self, account_id: str, *, actor: str) -> Account:
        account = self.account(account_id)
        if account.role == "admin" and not account.disabled:
            self._keep_an_admin(account)
        account.disabled = True
        self._store.update_account(account)
        ended = self._store.delete_account_sessions(account_id)
        self._audit("account.disable", actor, account_id, sessions_ended=ended)
        return account

    def enable_account(self, account_id: str, *, actor: str) -> Account:
        account = self.account(account_id)
        account.disabled = False
        self._store.update_account(account)
        self._audit("account.enable", actor, account_id)
        return account

    def unlock_account(self, account_id: str, *, actor: str) -> Account:
        account = self.account(account_id)
        was = account.locked_until
        account.failed_logins, account.locked_until = 0, None
        self._store.update_account(account)
        self._audit("account.unlock", actor, account_id,
                    was_locked_until=None if was is None else was.isoformat())
        return account

    def set_password(self, account_id: str, password: str, *, actor: str) -> Account:
        account = self.account(account_id)
        check_password(password, self._settings, username=account.username)
        account.password_hash = self._passwords.hash(password)
        account.failed_logins, account.locked_until = 0, None
        self._store.update_account(account)
        ended = self._store.delete_account_sessions(account_id)
        self._audit("account.password", actor, account_id, sessions_ended=ended)
        return account

    def _keep_an_admin(self, leaving: Account) -> None:
        others = [a for a in self._store.list_accounts()
                  if a.role == "admin" and not a.disabled and a.account_id != leaving.account_id]
        if not others:
            raise AccountError("this is the last enabled admin: create or enable another first")
