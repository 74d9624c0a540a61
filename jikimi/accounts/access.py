"""Who may see and do what, by role: the checks the portal makes before every read.

victim: her own case only (the one on her account); operator, takedown, admin: every case.
What each role may *do* (review, send takedowns, manage accounts) is checked with
`require_role`; a refusal is AccessDenied, and the portal audit-logs it like any decision.
"""

from __future__ import annotations

from kernel.accounts import Account, Role
from kernel.errors import AccessDenied


def may_see_case(account: Account, case_id: str) -> bool:
    if account.disabled:
        return False
    return account.case_id == case_id if account.role == "victim" else True


def require_case(account: Account, case_id: str) -> None:
    if not may_see_case(account, case_id):
        raise AccessDenied("this account may not see that case")


def require_role(account: Account, *roles: Role) -> None:
    if account.disabled or account.role not in roles:
        raise AccessDenied(f"this needs the role {' or '.join(roles)}")
