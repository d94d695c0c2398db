"""The event seam's Celery tasks (queue: SEAMS_EVENTS_KERNEL_QUEUE, except ``deliver``, which
the relay sends to the consuming module's queue)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from app.kernel.events import conf, embedded, store
from app.kernel.events.celery_config import DELIVER_TASK, PRUNE_TASK, RELAY_SWEEP_TASK
from app.kernel.events.consumer import consume
from app.kernel.events.relay import Relay
from app.kernel.events.store import Envelope


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver(envelope: dict[str, Any]) -> str:
    """Run one delivery (inbox, handler, retry or dead letter): see consumer.consume."""
    return consume(Envelope.from_dict(envelope)).value


@shared_task(name=RELAY_SWEEP_TASK, ignore_result=True)
def relay_sweep() -> int:
    """Safety net next to the relay process: relay what is due (and stale)."""
    if conf.get("SEAMS_EVENT_TRANSPORT") == "embedded":
        return len(embedded.run_pending(limit=500))
    return Relay().sweep()


@shared_task(name=PRUNE_TASK, ignore_result=True)
def prune() -> list[int]:
    return list(store.prune())
