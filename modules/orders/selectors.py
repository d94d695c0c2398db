"""Reads of the orders module."""

from __future__ import annotations

from datetime import datetime

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


def order_version(*, customer_id: int, order_id: int) -> datetime | None:
    """When one of the customer's orders last changed (its ``updated_at``: every change of
    status sets it; its lines never change); ``None`` for a missing order or someone else's."""
    return (
        Order.objects.filter(pk=order_id, customer_id=customer_id)
        .values_list("updated_at", flat=True)
        .first()
    )


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
