"""Reads of the orders module."""

from __future__ import annotations

import time
from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet

from modules.orders.models import CheckoutSaga, Order


def orders_of_customer(*, customer_id: int) -> QuerySet[Order]:
    """The customer's orders with their lines, newest first."""
    return (
        Order.objects.filter(customer_id=customer_id)
        .prefetch_related("lines")
        .order_by("-created_at", "-id")
    )


def order_of_customer(*, customer_id: int, order_id: int) -> Order | None:
    """One of the customer's orders; ``None`` for a missing order or someone else's."""
    return orders_of_customer(customer_id=customer_id).filter(pk=order_id).first()


class OrderVersion(NamedTuple):
    """Where an order stands, from one narrow read: its status and when it last changed."""

    status: str
    updated_at: datetime  # every change of status sets it; an order's lines never change


# While a client waits (``order_version(wait=...)``), the order is re-read after 10 ms, then
# a quarter later each time, up to every 250 ms: a checkout decided in 60 ms costs 6 reads
# and is seen 22 ms late (never later than the pause then current); a 10 s wait costs 52.
FIRST_RECHECK_SECONDS = 0.01
RECHECK_GROWTH = 1.25
MAX_RECHECK_SECONDS = 0.25


def order_version(*, customer_id: int, order_id: int, wait: float = 0.0) -> OrderVersion | None:
    """Where one of the customer's orders stands; ``None`` for a missing order or someone
    else's. With ``wait``, a ``pending`` order (its checkout still running) is read again
    until it is decided or ``wait`` seconds have passed (ADR 0025)."""
    deadline = time.monotonic() + wait
    pause = FIRST_RECHECK_SECONDS
    while True:
        row = (
            Order.objects.filter(pk=order_id, customer_id=customer_id)
            .values_list("status", "updated_at")
            .first()
        )
        version = OrderVersion(*row) if row else None
        left = deadline - time.monotonic()
        if version is None or version.status != Order.Status.PENDING or left <= 0:
            return version
        time.sleep(min(pause, left))
        pause = min(pause * RECHECK_GROWTH, MAX_RECHECK_SECONDS)


def sagas_idle(*, since: datetime, now: datetime, limit: int = 500) -> list[int]:
    """Order ids of active sagas that no step has touched since ``since`` and whose deadline
    has not passed (overdue ones are the timeout sweeper's), least recently touched first."""
    return list(
        CheckoutSaga.objects.filter(
            state__in=CheckoutSaga.ACTIVE_STATES, updated_at__lt=since, deadline__gt=now
        )
        .order_by("updated_at")
        .values_list("order_id", flat=True)[:limit]
    )
