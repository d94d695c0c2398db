"""Writes of the analytics module, one function per action, named ``<entity>_<action>``.

Both are idempotent and commute: a redelivered event changes nothing, and a cancellation
that arrives before its confirmation still leaves the order out of the figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from app.kernel.topology import atomic_on, create_unless_taken
from modules.analytics.models import LineFact, OrderFact

Line = tuple[str, int, Decimal]  # sku, quantity, unit price


def _record(
    *,
    order_id: int,
    customer_id: int,
    lines: Iterable[Line],
    total: Decimal,
    currency: str,
    stamp: str,
    at: datetime,
) -> None:
    """Count the order once: insert its fact, with ``stamp`` (``confirmed_at`` or
    ``cancelled_at``) set to ``at``, and its lines; on a known fact only set the stamp where
    it is not set yet (a redelivery keeps the first)."""
    by_sku: dict[str, list] = defaultdict(lambda: [0, Decimal("0.00")])
    for sku, quantity, unit_price in lines:
        by_sku[sku][0] += quantity
        by_sku[sku][1] += unit_price * quantity
    with atomic_on(OrderFact, savepoint=False):  # the fact and its lines, or neither
        fact = create_unless_taken(
            OrderFact,
            order_id=order_id,
            customer_id=customer_id,
            total=total,
            currency=currency,
            **{stamp: at},
        )
        if fact is not None:
            LineFact.objects.bulk_create(
                LineFact(order=fact, sku=sku, quantity=qty, revenue=revenue)
                for sku, (qty, revenue) in sorted(by_sku.items())
            )
            return
    # known already (a redelivery, the other event of the pair, or a concurrent delivery)
    OrderFact.objects.filter(order_id=order_id, **{f"{stamp}__isnull": True}).update(**{stamp: at})


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
        stamp="confirmed_at",
        at=confirmed_at,
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
        stamp="cancelled_at",
        at=cancelled_at,
    )
