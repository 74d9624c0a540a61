"""The operator's step in flow tests: with review first, nobody is alerted until hits are
confirmed, so a test that expects alerts confirms the queue the way an operator would."""

from __future__ import annotations

from contextlib import closing

from jikimi import registry
from jikimi.alerts import DeliveryReport
from jikimi.flow import alert_stage
from jikimi.review import decide, review_queue
from kernel.settings import Settings

TEST_OPERATOR = "test-operator"


def confirm_queue(settings: Settings) -> tuple[int, DeliveryReport]:
    """Confirm every hit awaiting review, then deliver: (hits confirmed, the delivery)."""
    with closing(registry.open_store(settings)) as store:
        queue = review_queue(store, settings)
        for row in queue:
            decide(store, str(row["hit_id"]), "confirm", TEST_OPERATOR)
        return len(queue), alert_stage(settings, store)
