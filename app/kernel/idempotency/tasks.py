"""Periodic housekeeping: ``idempotency.prune`` (schedule it with Celery beat, hourly)."""

from celery import shared_task

from app.kernel.idempotency.services import records_prune


@shared_task(name="idempotency.prune")
def prune() -> int:
    return records_prune()
