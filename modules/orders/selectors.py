"""Reads of the orders module."""

from __future__ import annotations

import time
from datetime import datetime
from typing import NamedTuple

from django.db import router
from django.db.models import QuerySet

from app.kernel import wakeups
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


# While a client waits (``order_version(wait=...)``), a decided order ends the wait at once:
# as an order's status leaves ``pending``, a trigger on its table notifies DECIDED_CHANNEL
# with the order's id (migration 0004), and the wait watches for it (app.kernel.wakeups,
# ADR 0027). It re-reads every LISTENING_RECHECK_SECONDS anyway, in case a notification
# never comes. While nothing listens (SQLite; a listener not yet or no longer connected) it
# re-reads after 10 ms, then a quarter later each time, up to every 250 ms (ADR 0025): a
# checkout decided in 60 ms then costs 6 reads and is seen 22 ms late.
DECIDED_CHANNEL = "seams_order_decided"
LISTENING_RECHECK_SECONDS = 1.0
FIRST_RECHECK_SECONDS = 0.01
RECHECK_GROWTH = 1.25
MAX_RECHECK_SECONDS = 0.25


def order_version(*, customer_id: int, order_id: int, wait: float = 0.0) -> OrderVersion | None:
    """Where one of the customer's orders stands; ``None`` for a missing order or someone
    else's. With ``wait``, a ``pending`` order (its checkout still running) is read again
    when it is decided, or at the latest once ``wait`` seconds have passed (ADR 0025)."""
    if wait <= 0:
        return _version(customer_id, order_id)
    deadline = time.monotonic() + wait
    pause = FIRST_RECHECK_SECONDS
    using = router.db_for_read(Order)
    with wakeups.watch(DECIDED_CHANNEL, str(order_id), using=using) as decided:
        while True:
            version = _version(customer_id, order_id)
            left = deadline - time.monotonic()
            if version is None or version.status != Order.Status.PENDING or left <= 0:
                return version
            decided.wait(min(LISTENING_RECHECK_SECONDS if decided.listening else pause, left))
            pause = min(pause * RECHECK_GROWTH, MAX_RECHECK_SECONDS)


def _version(customer_id: int, order_id: int) -> OrderVersion | None:
    row = (
        Order.objects.filter(pk=order_id, customer_id=customer_id)
        .values_list("status", "updated_at")
        .first()
    )
    return OrderVersion(*row) if row else None


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
