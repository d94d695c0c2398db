"""Forwards in: events another database's outbox hands to a module hosted here are
recorded as rows of that module's own outbox, one per handler, in its own database
(delivery ``received``), and from there run exactly like local deliveries: the relay or the
embedded dispatcher, the consumer, the inbox, retries, dead letters and replay, all on the
consumer's side.

Recording is idempotent: the same event forwarded again (the publisher's relay crashed
after posting) finds its rows and adds none (a partial unique index on
``(event_id, handler)`` for received rows). The payload is stored as it came, in the
publisher's event version: decoding (and upcasting) happens when the handler runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from app.kernel import topology
from app.kernel.events import embedded, outbox, store
from app.kernel.events.bus import Delivery, bus
from app.kernel.events.models import OutboxMessage


class ForwardedEvent(BaseModel):
    """One event of a forwarded batch (see ``forwarding.batch_body``)."""

    model_config = ConfigDict(extra="forbid")

    event_id: UUID
    event_name: str = Field(min_length=3, max_length=200, pattern=r"^[a-z][a-z0-9_]*\.\w+$")
    event_version: int = Field(ge=1, le=32767)
    key: str | None = Field(None, max_length=200)
    payload: dict[str, Any]
    traceparent: str = Field("", max_length=64)


class ForwardedBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[ForwardedEvent] = Field(min_length=1, max_length=1000)


class NotConsumedHere(LookupError):
    """The module is not hosted here, or has no handler for an event of the batch."""


def receive(module: str, events: Sequence[ForwardedEvent]) -> int:
    """Record ``events`` for ``module``'s handlers in its outbox (rows already there are
    kept as they are); returns the number of (event, handler) rows the batch maps to.

    Refuses the whole batch (:class:`NotConsumedHere`) when the module is not hosted here or
    lacks a handler for one of the events: the publisher keeps the rows and retries, so a
    consumer deployed before its new handler loses nothing.
    """
    if module not in topology.current().hosts or not topology.is_hosted(module):
        raise NotConsumedHere(f"module {module!r} is not hosted by this service")
    now = timezone.now()
    rows = []
    for event in events:
        bounds = [b for b in bus.subscriptions_for(event.event_name) if b.module == module]
        if not bounds:
            raise NotConsumedHere(f"module {module!r} has no handler for {event.event_name} here")
        rows += [
            OutboxMessage(
                event_id=event.event_id,
                event_name=event.event_name,
                event_version=event.event_version,
                handler=bound.handler_id,
                module=module,
                delivery=Delivery.RECEIVED.value,
                key=event.key,
                payload=event.payload,
                traceparent=event.traceparent,
                created_at=now,
                available_at=now,
            )
            for bound in bounds
        ]
    using = store.outbox_db(module)
    with transaction.atomic(using=using):
        outbox.insert(rows, using, ignore_conflicts=True)
        transaction.on_commit(embedded.wake, using=using)
    return len(rows)
