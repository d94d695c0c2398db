"""Celery tasks of the orders module: thin shells that take ids and call services."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from app.kernel.ownership import module_task
from modules.orders import checkout, selectors


@module_task
def saga_expire_overdue() -> int:
    """Periodic (beat): time out and compensate checkouts stuck past their deadline, and
    finish compensations left unfinished; returns how many sagas ended cancelled."""
    return len(checkout.saga_expire_overdue())


REDRIVE_BATCH = 100  # sagas per run: a run stays well inside the task time limit


@module_task
def saga_redrive_idle() -> int:
    """Periodic (beat): drive again the active sagas idle for SEAMS_SAGA_REDRIVE_AFTER_SECONDS.

    The delivery that drives a saga may sit with a worker that died (Redis hands it on only
    after the visibility timeout) or be lost with the broker; the saga does not wait for it.
    Re-driving is safe at any time: each step runs under the order's lock and is idempotent,
    and the late delivery then finds the saga done.
    """
    now = timezone.now()
    since = now - timedelta(seconds=settings.SEAMS_SAGA_REDRIVE_AFTER_SECONDS)
    order_ids = selectors.sagas_idle(since=since, now=now, limit=REDRIVE_BATCH)
    for order_id in order_ids:
        checkout.saga_advance(order_id=order_id)
    return len(order_ids)


@module_task
def saga_resume(order_id: int) -> str | None:
    """Drive one order's saga from its persisted state (operators, or after an incident)."""
    return checkout.saga_advance(order_id=order_id)


# Read by celery beat (app.kernel.events.celery_config.module_periodic_tasks).
PERIODIC_TASKS = {
    "orders.saga_expire_overdue": {
        "task": "orders.saga_expire_overdue",
        "schedule": 30.0,  # seconds; a stuck saga is compensated within deadline + 30 s
    },
    "orders.saga_redrive_idle": {
        "task": "orders.saga_redrive_idle",
        # an idle saga runs again within SEAMS_SAGA_REDRIVE_AFTER_SECONDS + 10 s
        "schedule": 10.0,
        "options": {"expires": 10},
    },
}
