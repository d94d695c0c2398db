"""Writes of the orders module, one function per action, named ``<entity>_<action>``.

Placing an order lives here: validation, pricing through catalog's api, and the order, its
lines and its checkout saga written in one transaction with ``OrderPlaced``. The saga that
then drives the order to ``confirmed`` or ``cancelled``, and the customer's cancel, are in
:mod:`modules.orders.checkout`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.utils import timezone

from app.kernel.events import publish
from app.kernel.topology import atomic_on
from modules.catalog import api as catalog_api
from modules.orders import events, metrics
from modules.orders.models import CheckoutSaga, Order, OrderLine, SagaStep

MAX_LINES = 50
MAX_QUANTITY = 1000
CENT = Decimal("0.01")
State = CheckoutSaga.State


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
class OrderError(Exception):
    """Base of the orders module's domain errors."""


@dataclass
class OrderInvalidError(OrderError):
    """The order asked for cannot be placed; ``errors`` maps a field path to messages."""

    message: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class OrderNotFoundError(OrderError):
    """No such order for this customer (another customer's order is not found either)."""


class OrderNotCancellableError(OrderError):
    """The order is already cancelled."""


# ---------------------------------------------------------------------------
# Money and validation (pure)
# ---------------------------------------------------------------------------
def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)


def line_total(*, unit_price: Decimal, quantity: int) -> Decimal:
    return money(unit_price * quantity)


def order_total(line_totals: Iterable[Decimal]) -> Decimal:
    return money(sum(line_totals, Decimal("0.00")))


def order_lines_normalise(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Quantities per SKU: duplicates merged, every rule of a valid order checked.

    Raises :class:`OrderInvalidError` for no lines, too many lines, or a (merged) quantity
    outside 1..MAX_QUANTITY.
    """
    merged: dict[str, int] = {}
    for sku, quantity in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise OrderInvalidError(
                "Quantities must be integers.", {"items": [f"{sku}: not an integer"]}
            )
        if not 1 <= quantity <= MAX_QUANTITY:
            raise OrderInvalidError(
                f"Quantity of {sku} must be between 1 and {MAX_QUANTITY}.",
                {"items": [f"{sku}: quantity must be between 1 and {MAX_QUANTITY}"]},
            )
        merged[sku] = merged.get(sku, 0) + quantity
    if not merged:
        raise OrderInvalidError("An order needs at least one item.", {"items": ["empty"]})
    if len(merged) > MAX_LINES:
        raise OrderInvalidError(
            f"An order may have at most {MAX_LINES} different SKUs.",
            {"items": [f"at most {MAX_LINES} different SKUs"]},
        )
    too_many = [sku for sku, quantity in merged.items() if quantity > MAX_QUANTITY]
    if too_many:
        raise OrderInvalidError(
            f"At most {MAX_QUANTITY} units per SKU: {', '.join(too_many)}.",
            {"items": [f"{sku}: at most {MAX_QUANTITY} units in total" for sku in too_many]},
        )
    return merged


# ---------------------------------------------------------------------------
# Placing an order
# ---------------------------------------------------------------------------
def event_line(line: OrderLine) -> events.OrderLine:
    """An order line as events carry it."""
    return events.OrderLine(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price)


def saga_timeout() -> timedelta:
    return timedelta(seconds=settings.SEAMS_SAGA_TIMEOUT_SECONDS)


def order_place(*, customer_id: int, lines: Iterable[tuple[str, int]]) -> Order:
    """Create the order ``pending`` with its lines and saga, and publish ``OrderPlaced``.

    One transaction: the order, its lines (with prices captured now), the saga state, the
    first step-log line and the event are written together or not at all. Inside a caller's
    transaction (an ``Idempotency-Key``'s) it takes no savepoint: nothing here raises for
    the caller to catch and go on. The order comes back with its lines, as written.
    """
    wanted = order_lines_normalise(lines)
    priced = catalog_api.price_skus(skus=list(wanted))
    unknown = [sku for sku in wanted if sku not in priced]
    inactive = [sku for sku in wanted if sku in priced and not priced[sku].active]
    if unknown or inactive:
        problems = [f"{sku}: unknown SKU" for sku in unknown]
        problems += [f"{sku}: not for sale" for sku in inactive]
        raise OrderInvalidError(
            "Unknown or unavailable SKU: " + ", ".join(unknown + inactive) + ".",
            {"items": problems},
        )
    currency = settings.SEAMS_CURRENCY
    prices = {sku: money(priced[sku].price) for sku in wanted}
    totals = {sku: line_total(unit_price=prices[sku], quantity=n) for sku, n in wanted.items()}
    with atomic_on(Order, savepoint=False):
        order = Order.objects.create(
            customer_id=customer_id,
            status=Order.Status.PENDING,
            total=order_total(totals.values()),
            currency=currency,
        )
        rows = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                sku=sku,
                product_id=priced[sku].product_id,
                name=priced[sku].name,
                quantity=quantity,
                unit_price=prices[sku],
                line_total=totals[sku],
            )
            for sku, quantity in sorted(wanted.items())  # the lines' order (Meta.ordering)
        )
        saga = CheckoutSaga.objects.create(
            order=order, state=State.RESERVING_STOCK, deadline=timezone.now() + saga_timeout()
        )
        SagaStep.objects.create(
            saga=saga, step="place", outcome="pending", detail={"total": str(order.total)}
        )
        metrics.saga_started(using=order._state.db)
        publish(
            events.OrderPlaced(
                order_id=order.pk,
                customer_id=customer_id,
                lines=tuple(event_line(row) for row in rows),
                total=order.total,
                currency=currency,
            )
        )
    order._prefetched_objects_cache = {"lines": rows}  # order.lines.all() reads no more
    return order
