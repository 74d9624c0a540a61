"""Portal accounts, the use case: passwords, sign-in with lockout, API tokens, web sessions.

`Accounts(store, settings.accounts)` is what the web portal and the admin CLI (`jikimi users`)
hold; it is joined from one part per concern, each in its own module: `admin` (create, role,
disable, unlock, new password), `login` (authenticate, lockout, rate limit), `tokens`, and
`sessions` (with CSRF and the cookie). `passwords` has the policy and argon2id hashing,
`access` the role checks. Records and the store port are in the kernel (`kernel.accounts`,
`kernel.ports.AccountStore`); every decision here is written to the store's audit log.
"""

from __future__ import annotations

from jikimi.accounts.admin import AccountAdmin
from jikimi.accounts.login import Login
from jikimi.accounts.sessions import NewSession, Sessions, SignedIn
from jikimi.accounts.tokens import IssuedToken, Tokens

__all__ = ["Accounts", "IssuedToken", "NewSession", "SignedIn"]


class Accounts(AccountAdmin, Login, Tokens, Sessions):
    """`Accounts(store, settings.accounts, clock=…)`: every account operation, audit-logged."""
