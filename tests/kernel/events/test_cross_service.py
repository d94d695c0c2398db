"""An event crossing services and databases, with real processes: this test process is the
``monolith`` service of the ``split`` topology (orders publishes), a live gunicorn is the
``notifications`` service on its own PostgreSQL database (it consumes). Handled exactly
once, survives the consumer being down, dead-letters and replays on the consumer's side;
the publisher never writes the consumer's database, nor the consumer the publisher's."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import psycopg
import pytest
from django.db import transaction

from app.kernel.events import forwarding, publish
from app.kernel.events.consumer import Outcome
from app.kernel.events.models import OutboxMessage, OutboxStatus
from app.kernel.events.store import Envelope
from app.kernel.ownership import acting_as
from app.kernel.remote import client
from modules.orders.events import OrderConfirmed, OrderLine
from tests.app.conftest import ROOT
from tests.kernel.remote import live
from tests.kernel.remote.live import LiveService, main_database_url
from tests.waiting import wait_for

# monolith_pass: it sets up its own topology (split, live processes); once is enough
pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.monolith_pass]

POISONED = 424242  # the order id the consumer's database is made to refuse


@pytest.fixture(scope="module")
def notifications(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xsvc")
    live.PORTS = range(18060, 18080)  # this suite's own ports (the remote suite has its own)
    service = LiveService(
        topology="split",
        service="notifications",
        main_url=main_database_url(tmp, "seams_xsvc"),
        log=tmp / "notifications.log",
    )
    service.env.update(
        REDIS_URL="",  # embedded transport: the service's own dispatcher thread delivers
        SEAMS_EVENT_TRANSPORT="embedded",
        SEAMS_EVENTS_MAX_ATTEMPTS="2",
        SEAMS_EVENTS_RETRY_BASE_SECONDS="0.05",
        SEAMS_EVENTS_SWEEP_SECONDS="0.2",
    )
    service.migrate()
    service.start()
    try:
        yield service
    finally:
        service.close()


@pytest.fixture
def as_monolith(notifications, settings, monkeypatch):
    """This process becomes split's monolith service; notifications lives at the live URL."""
    settings.SEAMS_TOPOLOGY, settings.SEAMS_SERVICE = "split", "monolith"
    monkeypatch.setenv("SEAMS_SERVICE_URL_NOTIFICATIONS", notifications.url)
    client.configure()
    yield notifications
    client.configure()


def confirmed(order_id: int) -> None:
    """orders publishes OrderConfirmed (its transaction, its outbox)."""
    line = OrderLine(sku="MUG", quantity=2, unit_price=Decimal("12.50"))
    event = OrderConfirmed(
        order_id=order_id, customer_id=7, lines=(line,), total=Decimal("25.00"), currency="EUR"
    )
    with acting_as("orders"), transaction.atomic():
        publish(event)


def consumer_rows(service: LiveService, sql: str, *params) -> list[tuple]:
    with psycopg.connect(service.database_url) as connection:
        return connection.execute(sql, params).fetchall()


def notifications_of(service: LiveService, order_id: int) -> list[tuple]:
    return consumer_rows(
        service, "SELECT kind FROM notifications_notification WHERE order_id = %s", order_id
    )


def forward(order_id: int) -> OutboxMessage:
    (row,) = OutboxMessage.objects.filter(
        delivery="forward", module="notifications", payload__order_id=order_id
    )
    return row


def envelope(row: OutboxMessage) -> Envelope:
    return Envelope(
        outbox_id=row.id,
        event_id=str(row.event_id),
        event_name=row.event_name,
        event_version=row.event_version,
        handler=row.handler,
        module=row.module,
        key=row.key,
        payload=row.payload,
        traceparent=row.traceparent,
        attempts=row.attempts,
    )


def test_a_forwarded_event_is_handled_once_by_the_consumers_service(as_monolith):
    service = as_monolith
    confirmed(1001)
    row = forward(1001)
    assert row.handler == "notifications.*"  # one forward per event, not per handler
    # analytics lives with orders in split: its delivery is a local row, as in the monolith
    assert OutboxMessage.objects.filter(module="analytics", payload__order_id=1001).exists()

    assert forwarding.forward_due(using="default", ids=[row.id]) == [Outcome.FORWARDED]
    row.refresh_from_db()
    assert row.status == OutboxStatus.DONE
    wait_for(lambda: notifications_of(service, 1001), what="the notification")

    # the relay crashed after posting and posts the same batch again: nothing new recorded
    forwarding.post_to_service(
        "notifications", "/internal/events/notifications/", forwarding.batch_body([envelope(row)])
    )
    received = consumer_rows(
        service, "SELECT handler FROM seams_events_outbox WHERE event_id = %s", row.event_id
    )
    assert received == [("notifications.notify_order_confirmed",)]
    assert notifications_of(service, 1001) == [("order_confirmed",)]
    # the consumer's service wrote nothing here, and holds its own inbox
    assert consumer_rows(
        service, "SELECT count(*) FROM seams_events_inbox WHERE event_id = %s", row.event_id
    ) == [(1,)]


def test_forwards_wait_for_a_consumer_that_is_down(as_monolith):
    service = as_monolith
    service.stop()
    try:
        confirmed(1002)
        row = forward(1002)
        assert forwarding.forward_due(using="default", ids=[row.id]) == [Outcome.RETRY]
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        assert "ChannelError" in row.last_error and "refused" in row.last_error
    finally:
        service.start()
    client.configure()  # a new pool: the old one's connections died with the service
    outcomes = forwarding.forward_due(using="default", ids=[row.id], honour_backoff=False)
    assert outcomes == [Outcome.FORWARDED]
    wait_for(lambda: notifications_of(service, 1002), what="the notification after restart")


def test_a_failing_handler_dead_letters_and_replays_on_the_consumers_side(as_monolith):
    service = as_monolith
    table = "notifications_notification"
    with psycopg.connect(service.database_url, autocommit=True) as connection:
        connection.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT refuse CHECK (order_id <> {POISONED})"
        )
    confirmed(POISONED)
    row = forward(POISONED)
    assert forwarding.forward_due(using="default", ids=[row.id]) == [Outcome.FORWARDED]
    status = "SELECT status, attempts FROM seams_events_outbox WHERE event_id = %s"
    dead = wait_for(
        lambda: [r for r in consumer_rows(service, status, row.event_id) if r[0] == "dead"],
        what="the dead letter",
    )
    assert dead == [("dead", 2)]
    row.refresh_from_db()
    assert row.status == OutboxStatus.DONE  # the publisher's part ended at the handover

    with psycopg.connect(service.database_url, autocommit=True) as connection:
        connection.execute(f"ALTER TABLE {table} DROP CONSTRAINT refuse")  # the fix
    replayed = subprocess.run(
        [sys.executable, "manage.py", "events", "replay", "--all"],
        env=service.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert replayed.returncode == 0, replayed.stderr
    wait_for(lambda: notifications_of(service, POISONED), what="the replayed notification")
    assert consumer_rows(service, status, row.event_id) == [("done", 0)]
