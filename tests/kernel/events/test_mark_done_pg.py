"""On PostgreSQL a keyed delivery is marked done and, in the same statement, wakes the relay
at commit, but only when the next delivery of its (handler, key) is pending: the relay would
otherwise find it at its next sweep only. A keyless one is marked done and wakes nobody."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from app.kernel.events.consumer import mark_done
from app.kernel.events.models import OutboxMessage, OutboxStatus
from app.kernel.events.store import Envelope

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HANDLER = "orders.saga_start"


def row(key: str | None, status: str = OutboxStatus.SENT) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage.objects.create(
        event_id=uuid.uuid4(), event_name="orders.OrderPlaced", event_version=1,
        handler=HANDLER, module="orders", delivery="async", key=key, payload={},
        status=status, created_at=now, available_at=now,
    )  # fmt: skip


def envelope(message: OutboxMessage) -> Envelope:
    return Envelope(
        outbox_id=message.pk, event_id=str(message.event_id), event_name=message.event_name,
        event_version=1, handler=HANDLER, module="orders", key=message.key, payload={},
        traceparent="", attempts=0,
    )  # fmt: skip


def done(message: OutboxMessage) -> int:
    """Mark ``message`` done in a committed transaction; the statements it took (besides the
    transaction's own BEGIN and COMMIT)."""
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        mark_done(envelope(message), "default")
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE and message.processed_at is not None
    return len([q for q in captured.captured_queries if q["sql"] not in {"BEGIN", "COMMIT"}])


def test_a_pending_successor_is_woken_in_the_same_statement(listener):
    first, _second = row("order-7"), row("order-7", status=OutboxStatus.PENDING)
    listener.forget()  # the inserts' own wake-ups
    assert done(first) == 1
    assert listener.woken()


def test_no_wake_without_a_pending_successor(listener):
    other_key = row("order-8", status=OutboxStatus.PENDING)
    assert other_key.key == "order-8"
    message = row("order-7")
    listener.forget()
    assert done(message) == 1
    assert not listener.woken()


def test_a_keyless_delivery_is_marked_done_and_wakes_nobody(listener):
    row(None, status=OutboxStatus.PENDING)  # keyless rows never wait on each other
    message = row(None)
    listener.forget()
    assert done(message) == 1
    assert not listener.woken()


def test_a_row_already_done_stays_as_it_was(listener):
    message = row("order-9", status=OutboxStatus.DONE)
    message.processed_at = processed = timezone.now()
    message.save(update_fields=["processed_at"])
    done(message)
    assert message.processed_at == processed
