"""Reads of the orders module."""

from __future__ import annotations

from django.db.models import QuerySet

from modules.orders.models import Order


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
