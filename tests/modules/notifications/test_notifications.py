"""Notifications: one per order outcome, redelivery-safe, each customer sees only their own."""

from decimal import Decimal

import pytest

from app.kernel.events import publish
from app.kernel.events.testing import drain
from app.kernel.ownership import acting_as
from modules.notifications import handlers
from modules.notifications.manifest import MANIFEST
from modules.notifications.models import Notification
from modules.orders.events import OrderCancelled, OrderConfirmed, OrderLine
from tests.kernel.http.auth import assert_problem, client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"
LINES = (OrderLine(sku="MUG-1", quantity=2, unit_price=Decimal("12.50")),)


def confirmed(order_id=1, customer_id=10):
    return OrderConfirmed(
        order_id=order_id,
        customer_id=customer_id,
        lines=LINES,
        total=Decimal("25.00"),
        currency="EUR",
    )


def cancelled(order_id=1, customer_id=10, reason="payment_declined", was_confirmed=False):
    return OrderCancelled(
        order_id=order_id,
        customer_id=customer_id,
        reason=reason,
        was_confirmed=was_confirmed,
        lines=LINES,
        total=Decimal("25.00"),
        currency="EUR",
    )


def handle(handler, event):
    with acting_as("notifications"):
        handler(event)


def test_confirmed_order_notifies_once_even_when_redelivered():
    event = confirmed()
    handle(handlers.notify_order_confirmed, event)
    handle(handlers.notify_order_confirmed, event)  # redelivery
    (note,) = Notification.objects.all()
    assert (note.customer_id, note.order_id, note.kind) == (10, 1, "order_confirmed")
    assert "25.00 EUR" in note.message


@pytest.mark.parametrize(
    ("reason", "was_confirmed", "fragment"),
    [
        ("out_of_stock", False, "out of stock"),
        ("payment_declined", False, "declined"),
        ("timed_out", False, "in time"),
        ("cancelled_by_customer", True, "refunded 25.00 EUR"),
    ],
)
def test_cancelled_order_message_says_why(reason, was_confirmed, fragment):
    handle(handlers.notify_order_cancelled, cancelled(reason=reason, was_confirmed=was_confirmed))
    handle(handlers.notify_order_cancelled, cancelled(reason=reason, was_confirmed=was_confirmed))
    (note,) = Notification.objects.all()
    assert note.kind == "order_cancelled"
    assert fragment in note.message


def test_confirmed_then_cancelled_gives_two_notifications():
    handle(handlers.notify_order_confirmed, confirmed())
    handle(
        handlers.notify_order_cancelled,
        cancelled(reason="cancelled_by_customer", was_confirmed=True),
    )
    assert sorted(Notification.objects.values_list("kind", flat=True)) == [
        "order_cancelled",
        "order_confirmed",
    ]


def test_events_reach_the_handlers_through_the_bus():
    publish(confirmed(order_id=5))
    publish(cancelled(order_id=6))
    drain()
    assert set(Notification.objects.values_list("order_id", "kind")) == {
        (5, "order_confirmed"),
        (6, "order_cancelled"),
    }


def test_manifest_declares_what_it_consumes():
    assert set(MANIFEST.consumes) == {"orders.OrderConfirmed", "orders.OrderCancelled"}


def test_customer_sees_only_own_notifications_paginated():
    for order_id in (1, 2):
        handle(handlers.notify_order_confirmed, confirmed(order_id=order_id, customer_id=10))
    handle(handlers.notify_order_confirmed, confirmed(order_id=3, customer_id=11))
    response = client_for(user_id=10).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [n["order_id"] for n in body["results"]] == [2, 1]  # newest first
    assert set(body["results"][0]) == {"id", "kind", "order_id", "message", "created_at"}
    assert client_for(user_id=99).get(URL).json()["count"] == 0


def test_notifications_need_a_token(anon):
    assert_problem(anon.get(URL), 401)


def test_notifications_are_read_only(customer):
    assert_problem(customer.post(URL, {}, format="json"), 405)


def test_bad_page_is_404(customer):
    assert_problem(customer.get(URL + "?page=2"), 404)


def test_a_confirmed_order_becomes_the_customers_notification(scenario):
    scenario.publish(confirmed(order_id=77, customer_id=12))
    notification = scenario.wait_for(
        lambda: Notification.objects.filter(order_id=77).first(), what="the notification"
    )
    assert notification.customer_id == 12
    assert notification.kind == Notification.Kind.ORDER_CONFIRMED
