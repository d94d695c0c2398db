"""The checkout saga of an order, and the customer's cancel.

The saga is orchestrated: :func:`saga_advance` (run by orders' own async handler for
``OrderPlaced``) calls inventory and payments through their ``api`` and records every step.
No orders transaction or lock is open during those calls: a short locked transaction
decides, the call runs, a second one records the outcome if the saga is still where it was.
Every call is idempotent per order id, so re-running :func:`saga_advance` after a crash
anywhere resumes from the persisted state with no second charge and no second stock
movement. :func:`order_cancel` records the decision to compensate, then runs the saga to
its end; :func:`saga_expire_overdue` (beat) times out what is past its deadline. See
docs/saga.md and ADR 0008.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from django.db.models import Q
from django.utils import timezone

from app.kernel.events import publish
from app.kernel.topology import atomic_on
from modules.inventory import api as inventory_api
from modules.orders import events, metrics
from modules.orders.models import CheckoutSaga, Order, SagaStep
from modules.orders.services import OrderNotCancellableError, OrderNotFoundError, event_line
from modules.payments import api as payments_api

State = CheckoutSaga.State
Reason = Order.CancellationReason
log = structlog.get_logger("seams.orders")


def _event_lines(order: Order) -> tuple[events.OrderLine, ...]:
    return tuple(event_line(line) for line in order.lines.all())


# Every round of the saga is: a short orders transaction that locks the order, reads the
# state and decides (``_decide``); the call to the other module, with no orders
# transaction open; a short orders transaction that records the outcome only if the saga
# is still in the state the call was made for, and decides the next round under the same
# lock (``_record``). See docs/saga.md. Each such transaction is a :func:`_round`: one
# locking SELECT, and the saga row and its step-log lines written once as it ends.
@dataclass(frozen=True)
class _Seen:
    """The saga as a deciding transaction saw it: all that a step's call needs of orders."""

    order_id: int
    customer_id: int
    total: Decimal
    lines: tuple[events.OrderLine, ...]  # never change once placed: read once per advance
    state: str
    compensating_from: str
    payment_captured: bool

    @property
    def quantities(self) -> tuple[tuple[str, int], ...]:
        return tuple((line.sku, line.quantity) for line in self.lines)


def _seen(order: Order, saga: CheckoutSaga, lines: tuple[events.OrderLine, ...] | None) -> _Seen:
    return _Seen(
        order_id=order.pk,
        customer_id=order.customer_id,
        total=order.total,
        lines=_event_lines(order) if lines is None else lines,
        state=saga.state,
        compensating_from=saga.compensating_from,
        payment_captured=saga.payment_captured,
    )


def _log(saga: CheckoutSaga, step: str, outcome: str, **detail) -> None:
    """A step-log line, written when the saga's :func:`_round` ends (with the others)."""
    line = SagaStep(saga=saga, step=step, outcome=outcome, detail=detail)
    saga.__dict__.setdefault("_unlogged", []).append(line)


def _saved_fields(saga: CheckoutSaga) -> tuple:
    return tuple(getattr(saga, f.attname) for f in saga._meta.concrete_fields)


@contextmanager
def _round(order_id: int) -> Iterator[tuple[Order, CheckoutSaga] | None]:
    """One short orders transaction holding the order's and the saga's row locks: yields
    the order and its saga (``None`` when there is no such order). Fetched with one locking
    SELECT; the saga's changes and the step-log lines written meanwhile go to the database
    as the round ends, in one UPDATE and one INSERT.

    Both rows are locked, not just the order's: a SELECT that queued on a lock re-reads
    only the rows it locks once the holder commits (PostgreSQL, READ COMMITTED), so a saga
    row joined unlocked would be the one from before the wait, and the round would decide
    on a state the holder had already moved on (a cancel overwritten by a late record)."""
    with atomic_on(Order):
        saga = (
            CheckoutSaga.objects.select_related("order")
            .select_for_update(of=("self", "order"))
            .filter(order_id=order_id)
            .first()
        )
        if saga is None:
            yield None
            return
        before = _saved_fields(saga)
        yield saga.order, saga
        if _saved_fields(saga) != before:
            saga.save()
        if unlogged := saga.__dict__.pop("_unlogged", None):
            SagaStep.objects.bulk_create(unlogged)


def _move(saga: CheckoutSaga, state: str, **flags: bool) -> None:
    saga.state = state
    for name, value in flags.items():
        setattr(saga, name, value)


def _cancel(
    order: Order, saga: CheckoutSaga, seen: _Seen, reason: str, *, was_confirmed: bool
) -> None:
    now = timezone.now()
    order.status = Order.Status.CANCELLED
    order.cancellation_reason = reason
    order.cancelled_at = now
    order.save(update_fields=("status", "cancellation_reason", "cancelled_at", "updated_at"))
    _move(saga, State.CANCELLED)
    _log(saga, "cancel", reason, was_confirmed=was_confirmed)
    metrics.saga_ended(
        outcome="cancelled", reason=reason, placed_at=order.created_at, using=order._state.db
    )
    publish(
        events.OrderCancelled(
            order_id=order.pk,
            customer_id=order.customer_id,
            reason=reason,
            was_confirmed=was_confirmed,
            lines=seen.lines,
            total=order.total,
            currency=order.currency,
        )
    )


def _compensation_begin(saga: CheckoutSaga, reason: str) -> None:
    """Record the decision to cancel before any compensation runs, so a crash in between is
    resumed. The state it leaves says what may have run, hence what to undo."""
    if saga.state == State.RELEASING_STOCK:
        reason = Reason.PAYMENT_DECLINED  # the order had already failed; say why
    saga.cancel_reason = reason
    saga.compensating_from = saga.state
    _move(saga, State.COMPENSATING)


# -- the calls (no orders transaction open) and their records (under the order's lock) --
def _call_reserve(seen: _Seen) -> inventory_api.ReservationResult:
    return inventory_api.stock_reserve(
        order_id=seen.order_id,
        lines=tuple(
            inventory_api.ReservationLine(sku=sku, quantity=quantity)
            for sku, quantity in seen.quantities
        ),
    )


def _record_reserve(order: Order, saga: CheckoutSaga, seen: _Seen, result: Any) -> None:
    _log(saga, "reserve_stock", result.status, unavailable_skus=list(result.unavailable_skus))
    if result.status == "reserved":
        _move(saga, State.CAPTURING_PAYMENT, stock_reserved=True)
    else:  # failed: nothing is held for this order
        _cancel(order, saga, seen, Reason.OUT_OF_STOCK, was_confirmed=False)


def _call_capture(seen: _Seen) -> payments_api.CaptureResult:
    return payments_api.payment_capture(
        order_id=seen.order_id, customer_id=seen.customer_id, amount=seen.total
    )


def _record_capture(order: Order, saga: CheckoutSaga, seen: _Seen, result: Any) -> None:
    _log(saga, "capture_payment", result.status, amount=str(result.amount), reason=result.reason)
    if result.status == "captured":
        _move(saga, State.COMMITTING_STOCK, payment_captured=True)
    else:
        _move(saga, State.RELEASING_STOCK)


def _call_release(seen: _Seen) -> inventory_api.ReservationResult:
    """Give the stock back: release the reservation (or restock a sale, if one slipped in)."""
    try:
        return inventory_api.stock_release(order_id=seen.order_id)
    except inventory_api.StockUnavailableError:
        return inventory_api.stock_restock(order_id=seen.order_id)


def _record_release(order: Order, saga: CheckoutSaga, seen: _Seen, result: Any) -> None:
    _log(saga, "release_stock", result.status)
    saga.stock_reserved = False
    _cancel(order, saga, seen, Reason.PAYMENT_DECLINED, was_confirmed=False)


def _call_commit(seen: _Seen) -> inventory_api.ReservationResult | Exception:
    try:
        return inventory_api.stock_commit(order_id=seen.order_id)
    except inventory_api.StockUnavailableError as exc:
        return exc  # an outcome to record (the reservation is gone), not a failed call


def _record_commit(order: Order, saga: CheckoutSaga, seen: _Seen, result: Any) -> None:
    if isinstance(result, inventory_api.StockUnavailableError):
        _log(saga, "commit_stock", "unavailable", error=str(result))
        _compensation_begin(saga, Reason.OUT_OF_STOCK)
        return
    _log(saga, "commit_stock", result.status)
    order.status = Order.Status.CONFIRMED
    order.confirmed_at = timezone.now()
    order.save(update_fields=("status", "confirmed_at", "updated_at"))
    _move(saga, State.CONFIRMED, stock_committed=True)
    _log(saga, "confirm", "confirmed")
    metrics.saga_ended(
        outcome="confirmed", reason="", placed_at=order.created_at, using=order._state.db
    )
    publish(
        events.OrderConfirmed(
            order_id=order.pk,
            customer_id=order.customer_id,
            lines=seen.lines,
            total=order.total,
            currency=order.currency,
        )
    )


def _call_compensations(seen: _Seen) -> list[tuple[str, str, dict]]:
    """Undo whatever may have run before the saga moved to ``compensating``: stock, then
    money. A step whose outcome was not recorded (its call may be in flight, or landed
    before a crash) may still have happened, so the compensation of the step the saga was
    in runs too; every compensation is idempotent and harmless when nothing happened (it
    leaves a tombstone that turns a late forward call into a no-op)."""
    done = []
    if seen.compensating_from == State.CONFIRMED:
        restocked = inventory_api.stock_restock(order_id=seen.order_id)
        done.append(("restock", restocked.status, {}))
    else:
        released = _call_release(seen)
        done.append(("release_stock", released.status, {}))
    if seen.payment_captured or seen.compensating_from in (
        State.CAPTURING_PAYMENT,
        State.COMMITTING_STOCK,
        State.CONFIRMED,
    ):
        refund = payments_api.payment_refund(order_id=seen.order_id)
        done.append(("refund_payment", refund.status, {"amount": str(refund.amount)}))
    return done


def _record_compensations(order: Order, saga: CheckoutSaga, seen: _Seen, done: list) -> None:
    for step, outcome, detail in done:
        _log(saga, step, outcome, **detail)
    saga.stock_reserved = saga.payment_captured = False
    was_confirmed = saga.compensating_from == State.CONFIRMED
    _cancel(order, saga, seen, saga.cancel_reason, was_confirmed=was_confirmed)


@dataclass(frozen=True)
class _Step:
    call: Callable[[_Seen], Any]  # the other module's api, idempotent per order id
    record: Callable[[Order, CheckoutSaga, _Seen, Any], None]  # moves the saga on


_STEPS = {
    State.RESERVING_STOCK: _Step(_call_reserve, _record_reserve),
    State.CAPTURING_PAYMENT: _Step(_call_capture, _record_capture),
    State.COMMITTING_STOCK: _Step(_call_commit, _record_commit),
    State.RELEASING_STOCK: _Step(_call_release, _record_release),
    State.COMPENSATING: _Step(_call_compensations, _record_compensations),
}


def _next(
    order: Order,
    saga: CheckoutSaga,
    *,
    now: datetime | None,
    lines: tuple[events.OrderLine, ...] | None = None,
) -> _Seen:
    """Decide, under the order's lock: time the saga out if it is past its deadline, count
    the attempt, and return what the next call needs."""
    if saga.state in CheckoutSaga.FORWARD_STATES and (now or timezone.now()) >= saga.deadline:
        _log(saga, "timeout", "expired", state=saga.state)
        metrics.saga_timed_out(using=order._state.db)
        _compensation_begin(saga, Reason.TIMED_OUT)
    if saga.active:
        saga.attempts += 1
    return _seen(order, saga, lines)


def _decide(
    order_id: int, *, now: datetime | None, lines: tuple[events.OrderLine, ...] | None
) -> _Seen | None:
    """A round that only decides (the first of an advance)."""
    with _round(order_id) as locked:
        return None if locked is None else _next(*locked, now=now, lines=lines)


def _record(seen: _Seen, result: Any, *, now: datetime | None) -> _Seen | None:
    """A round that records the call's outcome if the saga is still where the call was made
    from, then decides the next call. Otherwise someone else moved it meanwhile and their
    record stands: another run of the saga recorded the same idempotent outcome, or a cancel
    or timeout decided to compensate, which undoes this call's effect whichever landed
    first."""
    with _round(seen.order_id) as locked:
        if locked is None:
            return None
        order, saga = locked
        if saga.state == seen.state:
            _STEPS[saga.state].record(order, saga, seen, result)
        return _next(order, saga, now=now, lines=seen.lines)


def saga_advance(
    *,
    order_id: int,
    now: datetime | None = None,
    lines: tuple[events.OrderLine, ...] | None = None,
) -> str | None:
    """Run the order's saga from where it stands to its end; returns the final state.

    No orders transaction or lock is open while inventory or payments is called. Safe to
    call any number of times and concurrently: a finished saga is left alone, a saga past
    its deadline is timed out and compensated instead of advanced, an unfinished
    compensation is finished. A failing call raises and leaves the saga where it was.
    ``lines``: the order's lines, where the caller has them (``OrderPlaced`` carries them);
    else they are read.
    """
    seen = _decide(order_id, now=now, lines=lines)
    while seen is not None:  # ends: every round moves the saga on, by this call or another
        step = _STEPS.get(seen.state)
        if step is None:
            return seen.state
        seen = _record(seen, step.call(seen), now=now)
    return None


def order_cancel(*, order_id: int, customer_id: int) -> Order:
    """The customer cancels their order; compensations run before this returns.

    * pending: what the saga did so far is undone (refund, release) and the saga stops;
    * confirmed: the payment is refunded and the sold units are restocked;
    * already cancelled: :class:`OrderNotCancellableError` (the API answers 409).

    The decision is recorded first (saga ``compensating``), then the compensations run with
    no lock held. Returns the order, ``cancelled``; or, when a compensation call failed
    (logged), still ``pending``/``confirmed`` with its saga ``compensating``, which the
    sweeper (or the next cancel) finishes; the API answers 202 then.
    """
    with _round(order_id) as locked:
        if locked is None or locked[0].customer_id != customer_id:
            raise OrderNotFoundError(order_id)
        order, saga = locked
        if order.status == Order.Status.CANCELLED:
            raise OrderNotCancellableError(
                f"Order {order_id} is already cancelled ({order.cancellation_reason})."
            )
        _log(saga, "cancel_requested", "by_customer", state=saga.state)
        if saga.state != State.COMPENSATING:
            _compensation_begin(saga, Reason.CANCELLED_BY_CUSTOMER)
    try:
        saga_advance(order_id=order_id)
    except Exception:  # a call that could not be completed: the sweeper retries it
        log.warning(
            "order cancel: compensation failed, left to the sweeper",
            order_id=order_id,
            exc_info=True,
        )
    return Order.objects.get(pk=order_id)


def saga_expire_overdue(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Time out and compensate active sagas past their deadline, and finish compensations
    left unfinished (a crash, a failed call); returns the order ids it saw to ``cancelled``.

    A saga whose calls fail is logged and left for the next run; the others go on.
    """
    now = now or timezone.now()
    due = list(
        CheckoutSaga.objects.filter(
            Q(state__in=CheckoutSaga.FORWARD_STATES, deadline__lte=now)
            | Q(state=State.COMPENSATING)
        )
        .order_by("deadline")
        .values_list("order_id", flat=True)[:limit]
    )
    cancelled = []
    for order_id in due:
        try:
            state = saga_advance(order_id=order_id, now=now)
        except Exception:  # retried on the next run
            log.warning("saga sweeper: compensation failed", order_id=order_id, exc_info=True)
            continue
        if state == State.CANCELLED:
            cancelled.append(order_id)
    return cancelled
