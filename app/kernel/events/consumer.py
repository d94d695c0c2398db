"""Running one delivery: inbox check and handler in ONE transaction (for a
``Subscription(atomic=False)``: inbox check, the handler committing its own transactions,
then the inbox entry); on failure a recorded attempt and a retry with exponential backoff
and jitter, or, after the last attempt, a dead letter. The same code runs in a Celery
worker and in the embedded dispatcher."""

from __future__ import annotations

import random
import traceback
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Any

import structlog
from django.db import connections, transaction
from django.utils import timezone

from app.kernel.events import conf
from app.kernel.events.base import Event, decode
from app.kernel.events.bus import BoundSubscription, bus, run_observed
from app.kernel.events.database_retry import retry_through_database_blips
from app.kernel.events.models import DeliveryAttempt, InboxEntry, OutboxMessage, OutboxStatus
from app.kernel.events.outbox import NOTIFY_CHANNEL
from app.kernel.events.store import Envelope, inbox_record, outbox_db
from app.kernel.observability import metrics
from app.kernel.observability.tracing import continued

log = structlog.get_logger("seams.events")


class Outcome(StrEnum):
    DONE = "done"
    DUPLICATE = "duplicate"  # found in the inbox: handled before, no second effect
    RETRY = "retry"
    DEAD = "dead"
    GONE = "gone"  # the outbox row was handled or removed meanwhile
    FORWARDED = "forwarded"  # handed to the consuming module's service (another database)


class Undecodable(Exception):
    """The delivery cannot be turned into a handler call by this code (version skew: an
    unknown event version or handler, a payload or envelope it cannot read). Retrying will
    not change that: the row is dead-lettered at its first attempt (replay after the deploy
    that fixes it)."""


class HandlerNotFound(Undecodable, LookupError):
    pass


def backoff_seconds(attempt: int) -> float:
    """Delay before retry ``attempt + 1``: exponential from the base, capped, with jitter in
    [50 %, 100 %] of the step (so retries of a burst spread out)."""
    base = float(conf.get("SEAMS_EVENTS_RETRY_BASE_SECONDS"))
    cap = float(conf.get("SEAMS_EVENTS_RETRY_MAX_SECONDS"))
    step = min(cap, base * 2 ** max(0, attempt - 1))
    return step * random.uniform(0.5, 1.0)


def consume(envelope: Envelope) -> Outcome:
    """Run ``envelope``'s handler at most once per (event id, handler), as its module, on
    that module's database (its outbox row, its inbox and its effects in one transaction),
    in the delivery's trace; the outcome is counted per event and consuming module."""
    with continued(envelope.traceparent):
        outcome = _consume(envelope)
    if counted := _COUNTED.get(outcome):
        metrics.delivery_outcome(envelope.event_name, envelope.module, counted)
    return outcome


# outcome → the ``outcome`` label of seams_event_deliveries_total (GONE is not counted)
_COUNTED = {
    Outcome.DONE: "delivered",
    Outcome.DUPLICATE: "duplicate",
    Outcome.RETRY: "retried",
    Outcome.DEAD: "dead",
}


def _consume(envelope: Envelope) -> Outcome:
    using = outbox_db(envelope.module)
    handler_id = envelope.handler
    try:
        bound = bus.subscription(envelope.event_name, handler_id)
        if bound is None:
            raise HandlerNotFound(f"no handler {handler_id} for {envelope.event_name} here")
        try:
            event = decode(bound.subscription.event, envelope.event_version, envelope.payload)
        except Exception as exc:
            raise Undecodable(f"cannot decode {envelope.event_name}: {exc}") from exc
        atomic = bound.subscription.atomic
        if not atomic and not (
            InboxEntry.objects.using(using)
            .filter(event_id=envelope.event_id, handler=handler_id)
            .exists()
        ):
            run_handler(bound, envelope, event)  # commits its own work; idempotent
        now = timezone.now()
        with transaction.atomic(using=using):
            new = inbox_record(
                using,
                event_id=envelope.event_id,
                handler=handler_id,
                event_name=envelope.event_name,
                attempts=envelope.attempts + 1,
                processed_at=now,
            )
            outcome = Outcome.DONE if new else Outcome.DUPLICATE
            if new and atomic:
                run_handler(bound, envelope, event)
            mark_done(envelope, using)
        return outcome
    except Exception as exc:
        # a database blip must not lose the failure (the row would stay ``sent``)
        return retry_through_database_blips(partial(record_failure, envelope, exc), using=using)


def consume_message(data: Any) -> Outcome:
    """:func:`consume` for a task message's ``envelope`` argument. One that is not an
    envelope (an older or newer producer, corruption) is dead-lettered when it names its
    outbox row, and logged either way, instead of failing the task forever."""
    try:
        envelope = Envelope.from_dict(data)
    except (TypeError, ValueError) as exc:
        outbox_id = data.get("outbox_id") if isinstance(data, dict) else None
        log.error("malformed event delivery", outbox_id=outbox_id, error=str(exc))
        if not isinstance(outbox_id, int):
            return Outcome.GONE
        stub = Envelope(
            outbox_id=outbox_id, event_id="", event_name=str(data.get("event_name", "")),
            event_version=0, handler=str(data.get("handler", "")),
            module=str(data.get("module", "")), key=None,
            payload={}, traceparent="", attempts=0,
        )  # fmt: skip
        failure = Undecodable(f"malformed envelope: {exc}")
        return retry_through_database_blips(
            partial(record_failure, stub, failure), using=outbox_db(stub.module or None)
        )
    return consume(envelope)


def run_handler(bound: BoundSubscription, envelope: Envelope, event: Event) -> None:
    """Call the handler as its module, in its module-entry span, with the delivery bound
    for the logs; its delay since publishing is recorded."""
    lag = (timezone.now() - event.occurred_at).total_seconds()
    metrics.delivery_lag(bound.module, lag)
    with (
        bus.run_as(bound.module),
        structlog.contextvars.bound_contextvars(
            event_id=envelope.event_id, handler=envelope.handler
        ),
    ):
        run_observed(bound.module, bound.subscription.handler, event, bound.delivery.value)


def mark_done(envelope: Envelope, using: str) -> None:
    """Mark the delivery's outbox row done. When the delivery has a key the next delivery of
    this (handler, key) waited for it: on PostgreSQL the same statement wakes the relay at
    commit (NOTIFY only when such a row is pending), instead of at its next sweep."""
    connection = connections[using]
    if envelope.key is None or connection.vendor != "postgresql":
        OutboxMessage.objects.using(using).filter(id=envelope.outbox_id).exclude(
            status=OutboxStatus.DONE
        ).update(status=OutboxStatus.DONE, processed_at=timezone.now())
        return
    table = OutboxMessage._meta.db_table
    with connection.cursor() as cursor:
        # a data-modifying WITH runs whether or not the query reads it; the EXISTS looks at
        # other rows (id > this one), so the snapshot it sees is the one it needs
        cursor.execute(
            f"WITH done AS (UPDATE {table} SET status = 'done', processed_at = %s "  # noqa: S608
            "WHERE id = %s AND status <> 'done') "
            f"SELECT pg_notify('{NOTIFY_CHANNEL}', '') WHERE EXISTS (SELECT 1 FROM {table} "
            "WHERE handler = %s AND key = %s AND id > %s AND status = 'pending')",
            [timezone.now(), envelope.outbox_id, envelope.handler, envelope.key,
             envelope.outbox_id],
        )  # fmt: skip


def record_failure(envelope: Envelope, exc: BaseException) -> Outcome:
    """Count the failed attempt; schedule the retry or park the row dead (at once when the
    delivery is :class:`Undecodable`)."""
    using = outbox_db(envelope.module)
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    detail = "".join(traceback.format_exception(exc))[-4000:]
    now = timezone.now()
    with transaction.atomic(using=using):
        row = (
            OutboxMessage.objects.using(using)
            .select_for_update()
            .filter(id=envelope.outbox_id)
            .only("id", "status", "attempts")
            .first()
        )
        if row is None or row.status == OutboxStatus.DONE:
            return Outcome.GONE
        attempt = row.attempts + 1
        dead = isinstance(exc, Undecodable) or attempt >= int(conf.get("SEAMS_EVENTS_MAX_ATTEMPTS"))
        retry_at = None if dead else now + timedelta(seconds=backoff_seconds(attempt))
        OutboxMessage.objects.using(using).filter(id=row.id).update(
            status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
            attempts=attempt,
            available_at=retry_at or now,
            last_error=error[:2000],
        )
        DeliveryAttempt.objects.using(using).create(
            message_id=row.id, attempt=attempt, error=detail, failed_at=now, retry_at=retry_at
        )
    log.warning(
        "event delivery failed",
        outbox_id=envelope.outbox_id,
        event_name=envelope.event_name,
        handler=envelope.handler,
        attempt=attempt,
        dead=dead,
        undecodable=isinstance(exc, Undecodable),
        error=error,
    )
    return Outcome.DEAD if dead else Outcome.RETRY
