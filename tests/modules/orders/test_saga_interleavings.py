"""The saga holds no lock across a call into another module, so anything may happen while
a call is in flight: a customer's cancel, the timeout sweeper, a second delivery of the
same event, a crash after the callee committed, a call that fails. Each is injected at the
api call itself (the seam a remote binding would sit on); each ends with one outcome, one
charge at most and stock that adds up. Why each is safe: docs/saga.md, "Interleavings".
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from app.kernel.events.consumer import Outcome
from app.kernel.events.embedded import run_pending
from app.kernel.events.models import OutboxMessage
from app.kernel.topology import database_of
from modules.inventory import api as inventory_api
from modules.inventory.models import Reservation, StockItem
from modules.orders import checkout, handlers, services
from modules.orders.models import CheckoutSaga, Order
from modules.payments import api as payments_api
from modules.payments.models import LedgerEntry, Payment
from tests.e2e.shop import balance, fund, product, run_events, stock
from tests.kernel.http.auth import client_for
from tests.modules.orders.redelivery import order_placed

pytestmark = pytest.mark.django_db

CUSTOMER = 42
LATER = timedelta(hours=1)


@pytest.fixture
def shop():
    product("MUG", "12.50", stock=10)
    fund(CUSTOMER, "100.00")


@pytest.fixture
def published(monkeypatch):
    seen = []
    real = services.publish  # the same function in both: app.kernel.events.publish

    def record(*events):
        seen.extend(events)
        real(*events)

    monkeypatch.setattr(services, "publish", record)  # OrderPlaced
    monkeypatch.setattr(checkout, "publish", record)  # OrderConfirmed, OrderCancelled
    return seen


def place(quantity: int = 2) -> Order:
    return services.order_place(customer_id=CUSTOMER, lines=[("MUG", quantity)])


def reload(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def saga(order: Order) -> CheckoutSaga:
    return CheckoutSaga.objects.get(order=order)


def steps(order: Order) -> list[tuple[str, str]]:
    return [(s.step, s.outcome) for s in saga(order).steps.all()]


def outcomes(published, order: Order) -> list[str]:
    return [e.name for e in published if e.order_id == order.pk and e.name != "orders.OrderPlaced"]


def charges(order: Order) -> dict[str, int]:
    entries = LedgerEntry.objects.filter(order_id=order.pk)
    return {kind: entries.filter(kind=kind).count() for kind in ("capture", "refund")}


def around(monkeypatch, api, name: str, *, before=None, after=None) -> None:
    """Run ``before()`` / ``after()`` around the first call of ``api.name`` (the call is in
    flight: it has not reached the callee, or the callee committed and the answer is on its
    way back)."""
    real = getattr(api, name)
    calls = []

    def wrapped(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1 and before:
            before()
        result = real(**kwargs)
        if len(calls) == 1 and after:
            after()
        return result

    monkeypatch.setattr(api, name, wrapped)


def assert_nothing_held(order: Order) -> None:
    item = StockItem.objects.get(sku="MUG")
    assert (item.on_hand, item.reserved, item.sold - item.returned) == (10, 0, 0)
    assert balance(CUSTOMER) == Decimal("100.00")
    assert saga(order).state == "cancelled"


# --- a customer's cancel --------------------------------------------------------------------
def test_a_cancel_between_a_capture_and_its_record_refunds_it_and_the_saga_stops(
    shop, published, monkeypatch
):
    order = place()
    answers = []
    around(
        monkeypatch,
        payments_api,
        "payment_capture",
        after=lambda: answers.append(
            checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)
        ),
    )
    assert checkout.saga_advance(order_id=order.pk) == "cancelled"
    assert answers[0].status == "cancelled"  # the cancel did not wait for the saga
    assert reload(order).cancellation_reason == "cancelled_by_customer"
    assert_nothing_held(order)
    assert charges(order) == {"capture": 1, "refund": 1}
    assert outcomes(published, order) == ["orders.OrderCancelled"]
    assert ("capture_payment", "captured") not in steps(order)  # the late record was dropped


def test_a_cancel_before_the_capture_lands_leaves_nothing_to_charge(shop, published, monkeypatch):
    order = place()
    around(
        monkeypatch,
        payments_api,
        "payment_capture",
        before=lambda: checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER),
    )
    assert checkout.saga_advance(order_id=order.pk) == "cancelled"
    assert_nothing_held(order)
    assert charges(order) == {"capture": 0, "refund": 0}
    assert Payment.objects.get(order_id=order.pk).status == "voided"  # the tombstone
    assert outcomes(published, order) == ["orders.OrderCancelled"]


def test_a_cancel_while_the_stock_commit_is_in_flight_refunds_and_restocks(
    shop, published, monkeypatch
):
    order = place()
    around(
        monkeypatch,
        inventory_api,
        "stock_commit",
        after=lambda: checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER),
    )
    assert checkout.saga_advance(order_id=order.pk) == "cancelled"
    assert_nothing_held(order)
    assert Reservation.objects.get(order_id=order.pk).status == "restocked"
    assert outcomes(published, order) == ["orders.OrderCancelled"]


# --- the timeout sweeper --------------------------------------------------------------------
def test_the_sweeper_timing_out_a_saga_mid_reserve_wins_and_nothing_is_charged(
    shop, published, monkeypatch
):
    order = place()
    swept = []
    around(
        monkeypatch,
        inventory_api,
        "stock_reserve",
        after=lambda: swept.extend(checkout.saga_expire_overdue(now=timezone.now() + LATER)),
    )
    assert checkout.saga_advance(order_id=order.pk) == "cancelled"
    assert swept == [order.pk]
    assert reload(order).cancellation_reason == "timed_out"
    assert_nothing_held(order)
    assert not Payment.objects.filter(order_id=order.pk).exists()  # capture never called
    assert outcomes(published, order) == ["orders.OrderCancelled"]


def test_the_sweeper_racing_a_capture_refunds_it(shop, published, monkeypatch):
    order = place()
    around(
        monkeypatch,
        payments_api,
        "payment_capture",
        after=lambda: checkout.saga_expire_overdue(now=timezone.now() + LATER),
    )
    assert checkout.saga_advance(order_id=order.pk) == "cancelled"
    assert reload(order).cancellation_reason == "timed_out"
    assert_nothing_held(order)
    assert charges(order) == {"capture": 1, "refund": 1}
    assert outcomes(published, order) == ["orders.OrderCancelled"]


# --- a second delivery of OrderPlaced -------------------------------------------------------
def test_a_second_saga_run_during_a_call_finishes_the_saga_once(shop, published, monkeypatch):
    order = place()
    around(
        monkeypatch,
        payments_api,
        "payment_capture",
        before=lambda: checkout.saga_advance(order_id=order.pk),  # the redelivery, all of it
    )
    assert checkout.saga_advance(order_id=order.pk) == "confirmed"
    assert charges(order) == {"capture": 1, "refund": 0}
    assert StockItem.objects.get(sku="MUG").sold == 2
    assert outcomes(published, order) == ["orders.OrderConfirmed"]
    assert [s for s, _ in steps(order)] == [
        "place",
        "reserve_stock",
        "capture_payment",
        "commit_stock",
        "confirm",
    ]


# --- a crash after the callee committed, a call that fails ----------------------------------
class _Crash(Exception):
    pass


def raising(exc: Exception):
    def call(**kwargs):
        raise exc

    return call


def test_a_crash_after_the_capture_committed_resumes_without_a_second_charge(shop, monkeypatch):
    order = place()
    event = order_placed(order)

    def die():
        raise _Crash("orders died before recording the capture")

    with monkeypatch.context() as mp:
        around(mp, payments_api, "payment_capture", after=die)
        with pytest.raises(_Crash):
            handlers.saga_start(event)
    # payments committed the charge; orders still says capturing, with nothing recorded
    assert balance(CUSTOMER) == Decimal("75.00")
    assert (saga(order).state, saga(order).payment_captured) == ("capturing_payment", False)
    assert ("capture_payment", "captured") not in steps(order)
    handlers.saga_start(event)  # the redelivery
    assert reload(order).status == "confirmed"
    assert balance(CUSTOMER) == Decimal("75.00")
    assert charges(order) == {"capture": 1, "refund": 0}


def test_a_transient_capture_failure_fails_the_delivery_and_its_retry_confirms(shop, monkeypatch):
    order = place()

    def unreachable():
        raise ConnectionError("payments unreachable")

    around(monkeypatch, payments_api, "payment_capture", before=unreachable)
    assert run_pending(honour_backoff=False) == [Outcome.RETRY]
    # the reserve step is recorded, the capture is not: the saga resumes at the capture
    assert saga(order).state == "capturing_payment" and not saga(order).payment_captured
    assert stock("MUG").reserved == 2 and balance(CUSTOMER) == Decimal("100.00")
    run_events()  # the outbox's retry
    assert reload(order).status == "confirmed"
    assert charges(order) == {"capture": 1, "refund": 0}
    (delivery,) = OutboxMessage.objects.using(database_of("orders")).filter(
        handler="orders.saga_start"
    )
    assert (delivery.status, delivery.attempts) == ("done", 1)


def test_a_saga_past_its_deadline_whose_refund_fails_stays_compensating_until_it_works(
    shop, monkeypatch
):
    order = place()
    with monkeypatch.context() as mp:
        mp.setattr(inventory_api, "stock_commit", raising(_Crash("died before committing")))
        with pytest.raises(_Crash):
            checkout.saga_advance(order_id=order.pk)  # reserved and charged, not committed
    with monkeypatch.context() as mp:
        mp.setattr(
            payments_api,
            "payment_refund",
            raising(ConnectionError("payments down")),
        )
        with pytest.raises(ConnectionError):
            checkout.saga_advance(order_id=order.pk, now=timezone.now() + LATER)
        assert checkout.saga_expire_overdue(now=timezone.now() + LATER) == []  # logged, left
    s = saga(order)
    assert (s.state, s.cancel_reason, s.compensating_from) == (
        "compensating",
        "timed_out",
        "committing_stock",
    )
    assert reload(order).status == "pending"
    assert checkout.saga_expire_overdue() == [order.pk]  # payments is back
    assert reload(order).cancellation_reason == "timed_out"
    assert_nothing_held(order)


# --- a cancel whose compensation fails: the client's answer ---------------------------------
@pytest.fixture
def confirmed_order(shop) -> Order:
    order = place()
    run_events()
    assert reload(order).status == "confirmed"
    return order


def refund_down_once(monkeypatch) -> None:
    def down():
        raise ConnectionError("payments unreachable")

    around(monkeypatch, payments_api, "payment_refund", before=down)


def cancel(order: Order):
    return client_for(user_id=CUSTOMER).post(f"/api/v1/orders/{order.pk}/cancel/")


def test_a_cancel_whose_refund_fails_answers_202_and_the_sweeper_finishes_it(
    confirmed_order, monkeypatch, published
):
    refund_down_once(monkeypatch)
    response = cancel(confirmed_order)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "confirmed"  # not cancelled yet: the refund is owed
    s = saga(confirmed_order)
    assert (s.state, s.cancel_reason) == ("compensating", "cancelled_by_customer")
    assert balance(CUSTOMER) == Decimal("75.00")
    assert checkout.saga_expire_overdue() == [confirmed_order.pk]
    order = reload(confirmed_order)
    assert (order.status, order.cancellation_reason) == ("cancelled", "cancelled_by_customer")
    assert balance(CUSTOMER) == Decimal("100.00")
    assert_nothing_held(order)
    assert charges(order) == {"capture": 1, "refund": 1}
    assert outcomes(published, order) == ["orders.OrderCancelled"]
    assert published[-1].was_confirmed is True


def test_cancelling_again_after_a_202_retries_the_compensation_and_answers_200(
    confirmed_order, monkeypatch
):
    refund_down_once(monkeypatch)
    assert cancel(confirmed_order).status_code == 202
    again = cancel(confirmed_order)
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "cancelled"
    assert balance(CUSTOMER) == Decimal("100.00")
    assert cancel(confirmed_order).status_code == 409


def test_a_redelivery_of_order_placed_finishes_a_cancel_left_half_done(shop, monkeypatch):
    order = place()
    event = order_placed(order)
    with monkeypatch.context() as mp:
        mp.setattr(
            inventory_api,
            "stock_release",
            raising(ConnectionError("inventory down")),
        )
        assert checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER).status == "pending"
    assert saga(order).state == "compensating"
    handlers.saga_start(event)  # OrderPlaced arrives (or is redelivered): it finishes the cancel
    assert reload(order).cancellation_reason == "cancelled_by_customer"
    assert_nothing_held(order)
    assert Reservation.objects.get(order_id=order.pk).status == "released"
