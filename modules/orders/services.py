"""Writes of the orders module, one function per action, named ``<entity>_<action>``.

Placing an order and driving its checkout saga live here. The saga is orchestrated:
:func:`saga_advance` (run by orders' own async handler for ``OrderPlaced``) calls
inventory and payments through their ``api`` and records every step. Each step is one
transaction under a row lock on the order, and every call it makes is idempotent per
order id, so re-running :func:`saga_advance` after a crash anywhere resumes from the
persisted state with no second charge and no second stock movement. See docs/saga.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from app.kernel.events import publish
from modules.catalog import api as catalog_api
from modules.inventory import api as inventory_api
from modules.orders import events
from modules.orders.models import CheckoutSaga, Order, OrderLine, SagaStep
from modules.payments import api as payments_api

MAX_LINES = 50
MAX_QUANTITY = 1000
CENT = Decimal("0.01")
State = CheckoutSaga.State
Reason = Order.CancellationReason


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
def _event_lines(order: Order) -> tuple[events.OrderLine, ...]:
    return tuple(
        events.OrderLine(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price)
        for line in order.lines.all()
    )


def saga_timeout() -> timedelta:
    return timedelta(seconds=settings.SEAMS_SAGA_TIMEOUT_SECONDS)


def order_place(*, customer_id: int, lines: Iterable[tuple[str, int]]) -> Order:
    """Create the order ``pending`` with its lines and saga, and publish ``OrderPlaced``.

    One transaction: the order, its lines (with prices captured now), the saga state, the
    first step-log line and the event are written together or not at all.
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
    with transaction.atomic():
        order = Order.objects.create(
            customer_id=customer_id, status=Order.Status.PENDING, total=0, currency=currency
        )
        rows = [
            OrderLine(
                order=order,
                sku=sku,
                product_id=priced[sku].product_id,
                name=priced[sku].name,
                quantity=quantity,
                unit_price=money(priced[sku].price),
                line_total=line_total(unit_price=money(priced[sku].price), quantity=quantity),
            )
            for sku, quantity in wanted.items()
        ]
        OrderLine.objects.bulk_create(rows)
        order.total = order_total(row.line_total for row in rows)
        order.save(update_fields=("total",))
        saga = CheckoutSaga.objects.create(
            order=order, state=State.RESERVING_STOCK, deadline=timezone.now() + saga_timeout()
        )
        _log(saga, "place", "pending", total=str(order.total))
        publish(
            events.OrderPlaced(
                order_id=order.pk,
                customer_id=customer_id,
                lines=_event_lines(order),
                total=order.total,
                currency=currency,
            )
        )
    return order


# ---------------------------------------------------------------------------
# The saga
# ---------------------------------------------------------------------------
def _log(saga: CheckoutSaga, step: str, outcome: str, **detail) -> None:
    SagaStep.objects.create(saga=saga, step=step, outcome=outcome, detail=detail)


def _locked(order_id: int, *, skip_locked: bool = False) -> tuple[Order, CheckoutSaga] | None:
    """The order and its saga, with the order's row locked until the transaction ends."""
    order = Order.objects.select_for_update(skip_locked=skip_locked).filter(pk=order_id).first()
    if order is None:
        return None
    return order, CheckoutSaga.objects.get(order=order)


def _move(saga: CheckoutSaga, state: str, **flags: bool) -> None:
    saga.state = state
    for name, value in flags.items():
        setattr(saga, name, value)
    saga.save()


def _cancel(order: Order, saga: CheckoutSaga, reason: str, *, was_confirmed: bool) -> None:
    now = timezone.now()
    order.status = Order.Status.CANCELLED
    order.cancellation_reason = reason
    order.cancelled_at = now
    order.save(update_fields=("status", "cancellation_reason", "cancelled_at", "updated_at"))
    _move(saga, State.CANCELLED)
    _log(saga, "cancel", reason, was_confirmed=was_confirmed)
    publish(
        events.OrderCancelled(
            order_id=order.pk,
            customer_id=order.customer_id,
            reason=reason,
            was_confirmed=was_confirmed,
            lines=_event_lines(order),
            total=order.total,
            currency=order.currency,
        )
    )


def _release_stock(order: Order, saga: CheckoutSaga) -> None:
    """Compensate the stock step: release the reservation (or a sale, if one slipped in)."""
    try:
        result = inventory_api.stock_release(order_id=order.pk)
    except inventory_api.StockUnavailableError:
        result = inventory_api.stock_restock(order_id=order.pk)
    _log(saga, "release_stock", result.status)
    saga.stock_reserved = False


def _refund_payment(order: Order, saga: CheckoutSaga) -> None:
    """Compensate the payment step: refund a capture, or void the order in payments."""
    result = payments_api.payment_refund(order_id=order.pk)
    _log(saga, "refund_payment", result.status, amount=str(result.amount))
    saga.payment_captured = False


def _compensate_and_cancel(order: Order, saga: CheckoutSaga, reason: str) -> None:
    """Undo whatever may have run for an active saga, then cancel with ``reason``.

    A step whose outcome was not recorded (a crash after a remote call) may still have
    happened, so the compensation of the current step runs too; both compensations are
    idempotent and harmless when nothing happened (they leave a tombstone instead).
    Stock is compensated before money: every path locks order → stock rows → wallet, in
    that order, so a saga and a cancel never wait on each other in a cycle.
    """
    _release_stock(order, saga)
    if saga.payment_captured or saga.state in (State.CAPTURING_PAYMENT, State.COMMITTING_STOCK):
        _refund_payment(order, saga)
    if saga.state == State.RELEASING_STOCK:
        reason = Reason.PAYMENT_DECLINED  # the order had already failed; say why
    _cancel(order, saga, reason, was_confirmed=False)


def _step_reserve_stock(order: Order, saga: CheckoutSaga) -> None:
    result = inventory_api.stock_reserve(
        order_id=order.pk,
        lines=tuple(
            inventory_api.ReservationLine(sku=line.sku, quantity=line.quantity)
            for line in order.lines.all()
        ),
    )
    _log(saga, "reserve_stock", result.status, unavailable_skus=list(result.unavailable_skus))
    if result.status == "reserved":
        _move(saga, State.CAPTURING_PAYMENT, stock_reserved=True)
    else:
        # failed, or released by an earlier compensation: nothing is held for this order.
        _cancel(order, saga, Reason.OUT_OF_STOCK, was_confirmed=False)


def _step_capture_payment(order: Order, saga: CheckoutSaga) -> None:
    result = payments_api.payment_capture(
        order_id=order.pk, customer_id=order.customer_id, amount=order.total
    )
    _log(saga, "capture_payment", result.status, amount=str(result.amount), reason=result.reason)
    if result.status == "captured":
        _move(saga, State.COMMITTING_STOCK, payment_captured=True)
    else:
        # released in the next step, in its own transaction: a step never locks stock
        # after the wallet (see _compensate_and_cancel on lock order)
        _move(saga, State.RELEASING_STOCK)


def _step_release_after_decline(order: Order, saga: CheckoutSaga) -> None:
    _release_stock(order, saga)
    _cancel(order, saga, Reason.PAYMENT_DECLINED, was_confirmed=False)


def _step_commit_stock(order: Order, saga: CheckoutSaga) -> None:
    try:
        result = inventory_api.stock_commit(order_id=order.pk)
    except inventory_api.StockUnavailableError as exc:
        _log(saga, "commit_stock", "unavailable", error=str(exc))
        _compensate_and_cancel(order, saga, Reason.OUT_OF_STOCK)
        return
    _log(saga, "commit_stock", result.status)
    order.status = Order.Status.CONFIRMED
    order.confirmed_at = timezone.now()
    order.save(update_fields=("status", "confirmed_at", "updated_at"))
    _move(saga, State.CONFIRMED, stock_committed=True)
    _log(saga, "confirm", "confirmed")
    publish(
        events.OrderConfirmed(
            order_id=order.pk,
            customer_id=order.customer_id,
            lines=_event_lines(order),
            total=order.total,
            currency=order.currency,
        )
    )


_STEPS = {
    State.RESERVING_STOCK: _step_reserve_stock,
    State.CAPTURING_PAYMENT: _step_capture_payment,
    State.COMMITTING_STOCK: _step_commit_stock,
    State.RELEASING_STOCK: _step_release_after_decline,
}


def saga_advance(*, order_id: int, now: datetime | None = None) -> str | None:
    """Run the order's saga from where it stands to its end; returns the final state.

    Each step is its own transaction under the order's row lock. Safe to call any number
    of times and concurrently: a finished saga is left alone, a saga past its deadline is
    timed out and compensated instead of advanced.
    """
    for _ in range(len(_STEPS) + 1):
        with transaction.atomic():
            locked = _locked(order_id)
            if locked is None:
                return None
            order, saga = locked
            if not saga.active:
                return saga.state
            if (now or timezone.now()) >= saga.deadline:
                _log(saga, "timeout", "expired", state=saga.state)
                _compensate_and_cancel(order, saga, Reason.TIMED_OUT)
                return saga.state
            saga.attempts += 1
            _STEPS[saga.state](order, saga)
    return saga.state


def order_cancel(*, order_id: int, customer_id: int) -> Order:
    """The customer cancels their order; compensations run before this returns.

    * pending: what the saga did so far is undone (refund, release) and the saga stops;
    * confirmed: the payment is refunded and the sold units are restocked;
    * already cancelled: :class:`OrderNotCancellableError` (the API answers 409).
    """
    with transaction.atomic():
        locked = _locked(order_id)
        if locked is None or locked[0].customer_id != customer_id:
            raise OrderNotFoundError(order_id)
        order, saga = locked
        if order.status == Order.Status.CANCELLED:
            raise OrderNotCancellableError(
                f"Order {order_id} is already cancelled ({order.cancellation_reason})."
            )
        _log(saga, "cancel_requested", "by_customer", state=saga.state)
        if order.status == Order.Status.PENDING:
            _compensate_and_cancel(order, saga, Reason.CANCELLED_BY_CUSTOMER)
        else:
            result = inventory_api.stock_restock(order_id=order.pk)
            _log(saga, "restock", result.status)
            _refund_payment(order, saga)
            _cancel(order, saga, Reason.CANCELLED_BY_CUSTOMER, was_confirmed=True)
    return order


def saga_expire_overdue(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Time out and compensate active sagas past their deadline; returns their order ids.

    A saga whose order row is locked is mid-step and is skipped this round (the step
    itself checks the deadline before running the next one).
    """
    now = now or timezone.now()
    overdue = list(
        CheckoutSaga.objects.filter(state__in=CheckoutSaga.ACTIVE_STATES, deadline__lte=now)
        .order_by("deadline")
        .values_list("order_id", flat=True)[:limit]
    )
    expired = []
    for order_id in overdue:
        with transaction.atomic():
            locked = _locked(order_id, skip_locked=True)
            if locked is None:
                continue
            order, saga = locked
            if not saga.active or saga.deadline > now:
                continue
            _log(saga, "timeout", "expired", state=saga.state)
            _compensate_and_cancel(order, saga, Reason.TIMED_OUT)
            expired.append(order_id)
    return expired
