"""Celery tasks of the orders module: thin shells that take ids and call services."""

from app.kernel.ownership import module_task
from modules.orders import services


@module_task
def saga_expire_overdue() -> int:
    """Periodic (beat): time out and compensate checkouts stuck past their deadline, and
    finish compensations left unfinished; returns how many sagas ended cancelled."""
    return len(services.saga_expire_overdue())


@module_task
def saga_resume(order_id: int) -> str | None:
    """Drive one order's saga from its persisted state (operators, or after an incident)."""
    return services.saga_advance(order_id=order_id)


# Read by celery beat (app.kernel.events.celery_config.module_periodic_tasks).
PERIODIC_TASKS = {
    "orders.saga_expire_overdue": {
        "task": "orders.saga_expire_overdue",
        "schedule": 30.0,  # seconds; a stuck saga is compensated within deadline + 30 s
    },
}
