"""Writes of the analytics module, one function per action, named ``<entity>_<action>``.

Both are idempotent and commute: a redelivered event changes nothing, and a cancellation
that arrives before its confirmation still leaves the order out of the figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError

from app.kernel.topology import atomic_on
from modules.analytics.models import LineFact, OrderFact

Line = tuple[str, int, Decimal]  # sku, quantity, unit price


def _record(
    *,
    order_id: int,
    customer_id: int,
    lines: Iterable[Line],
    total: Decimal,
    currency: str,
    **stamp: datetime,
) -> None:
    """Count the order once: insert its fact with ``stamp`` (when it was confirmed or
    cancelled) and its lines; on a known fact only set the stamp where it is not set yet (a
    redelivery keeps the first)."""
    ((stamped, _),) = stamp.items()
    known = OrderFact.objects.filter(order_id=order_id)
    if known.exists():
        known.filter(**{f"{stamped}__isnull": True}).update(**stamp)
        return
    by_sku: dict[str, list] = defaultdict(lambda: [0, Decimal("0.00")])
    for sku, quantity, unit_price in lines:
        by_sku[sku][0] += quantity
        by_sku[sku][1] += unit_price * quantity
    try:
        with atomic_on(OrderFact):
            fact = OrderFact.objects.create(
                order_id=order_id, customer_id=customer_id, total=total, currency=currency, **stamp
            )
            LineFact.objects.bulk_create(
                LineFact(order=fact, sku=sku, quantity=qty, revenue=revenue)
                for sku, (qty, revenue) in sorted(by_sku.items())
            )
    except IntegrityError:  # a concurrent delivery recorded it first
        known.filter(**{f"{stamped}__isnull": True}).update(**stamp)


def sale_record(
    *,
    order_id: int,
    customer_id: int,
    lines: Iterable[Line],
    total: Decimal,
    currency: str,
    confirmed_at: datetime,
) -> None:
    """An order was confirmed: count it (once)."""
    _record(
        order_id=order_id,
        customer_id=customer_id,
        lines=lines,
        total=total,
        currency=currency,
        confirmed_at=confirmed_at,
    )


def sale_reverse(
    *,
    order_id: int,
    customer_id: int,
    lines: Iterable[Line],
    total: Decimal,
    currency: str,
    cancelled_at: datetime,
) -> None:
    """A confirmed order was cancelled and refunded: take it out of the figures (once)."""
    _record(
        order_id=order_id,
        customer_id=customer_id,
        lines=lines,
        total=total,
        currency=currency,
        cancelled_at=cancelled_at,
    )
