"""The event seam's Celery tasks (queue: SEAMS_EVENTS_KERNEL_QUEUE, except ``deliver``, which
the relay sends to the consuming module's queue)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import Reject
from django.db import DatabaseError

from app.kernel.events import conf, embedded, store
from app.kernel.events.celery_config import DELIVER_TASK, PRUNE_TASK, RELAY_SWEEP_TASK
from app.kernel.events.consumer import consume_message
from app.kernel.events.relay import Relay


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver(envelope: dict[str, Any]) -> str:
    """Run one delivery (inbox, handler, retry or dead letter): see consumer.consume.

    When even the failure could not be recorded (the database stayed away longer than the
    bookkeeping's retries), the message goes back to the queue: acking it would leave the
    row ``sent`` until the relay's redelivery sweep."""
    try:
        return consume_message(envelope).value
    except DatabaseError as exc:
        raise Reject(exc, requeue=True) from exc


@shared_task(name=RELAY_SWEEP_TASK, ignore_result=True)
def relay_sweep() -> int:
    """Safety net next to the relay process: relay what is due (and stale)."""
    if conf.get("SEAMS_EVENT_TRANSPORT") == "embedded":
        return len(embedded.run_pending(limit=500))
    return sum(Relay(using=alias).sweep() for alias in store.outbox_dbs())


@shared_task(name=PRUNE_TASK, ignore_result=True)
def prune() -> list[int]:
    """Prune every outbox this process delivers; returns (outbox rows, inbox entries)."""
    pruned = [store.prune(using=alias) for alias in store.outbox_dbs()]
    return [sum(p[0] for p in pruned), sum(p[1] for p in pruned)]
