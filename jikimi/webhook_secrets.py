"""Each webhook receiver signs-checks with a secret of its own, issued at enrollment.

With one HMAC secret for every receiver (the audit's finding 5), any receiver that learned it
could forge signed alerts to all the others. So every person's webhook gets its own random
secret (`secrets.token_urlsafe(32)`, 256 bits), stored encrypted with her contacts and erased
with her. It is shown once, to the operator who hands it to the receiver: at enrollment and on
rotation. It is never stored in the clear, printed again, or written to the audit log; rotating
is audited without it. The shared `alerts.webhook_secret` remains only for people enrolled before
(jikimi/alerts/webhook.py warns on each such delivery).
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from jikimi.cases import audit
from kernel.errors import EnrollmentRefused, NotFound
from kernel.ports import Store

SHOWN_ONCE = ("shown once: give it to the webhook's receiver, which checks X-Jikimi-Signature "
              "with it; it is stored encrypted and cannot be shown again (`jikimi contacts "
              "webhook-secret PERSON_ID --rotate` issues a new one)")


def new_webhook_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def rotate_webhook_secret(store: Store, person_id: str, actor: str) -> str:
    """Give the person's webhook a new secret (the old one stops verifying at once); returns it
    for the caller to show once. Audited on her case, without the secret."""
    person = store.get_person(person_id)
    if person is None:
        raise NotFound(f"no enrolled person with id {person_id}")
    if not person.webhook:
        raise EnrollmentRefused(f"{person.ref} has no webhook: there is nothing to sign for")
    secret = new_webhook_secret()
    store.add_person(replace(person, webhook_secret=secret), [])
    case = store.case_of_person(person_id)
    audit(store, "contact.webhook_secret_rotated", actor, case.case_id if case else person_id,
          person_id=person_id, replaced="own" if person.webhook_secret else "shared")
    return secret
