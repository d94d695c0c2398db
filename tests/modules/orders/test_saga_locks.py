"""On PostgreSQL: no orders transaction is open and the order's row is not locked while the
saga, a customer's cancel or the timeout sweeper calls inventory or payments. Each api call
is watched at the call: from another connection the test tries ``SELECT … FOR UPDATE
NOWAIT`` on the order's row, and it checks the orders database's connection in this thread.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError, connections, router, transaction
from django.utils import timezone

from app.kernel.ownership import acting_as
from modules.inventory import api as inventory_api
from modules.orders import checkout, services
from modules.orders.models import Order
from modules.payments import api as payments_api
from tests.e2e.shop import balance, fund, product, run_events, stock
from tests.kernel.http.auth import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CUSTOMER = 42
CALLS = (
    (inventory_api, "stock_reserve"),
    (inventory_api, "stock_commit"),
    (inventory_api, "stock_release"),
    (inventory_api, "stock_restock"),
    (payments_api, "payment_capture"),
    (payments_api, "payment_refund"),
)


def orders_db() -> str:
    return router.db_for_write(Order)


def order_row_lockable(order_id: int) -> bool:
    """Whether another connection can lock the order's row right now, without waiting."""
    answer: list[bool] = []

    def probe() -> None:
        alias = orders_db()
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute(
                    f"SELECT id FROM {Order._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT",
                    [order_id],
                )
            answer.append(True)
        except OperationalError:  # lock_not_available
            answer.append(False)
        finally:
            connections[alias].close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return answer == [True]


@pytest.fixture
def watched(monkeypatch, settings):
    """Every api call of the saga, as (function, orders transaction open, order row lockable)."""
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "manual"  # deliveries run where the test says
    seen: list[tuple[str, bool, bool]] = []
    for api, name in CALLS:
        real = getattr(api, name)

        def watch(*, _real=real, _name=name, **kwargs):
            in_transaction = connections[orders_db()].in_atomic_block
            seen.append((_name, in_transaction, order_row_lockable(kwargs["order_id"])))
            return _real(**kwargs)

        monkeypatch.setattr(api, name, watch)
    return seen


@pytest.fixture
def shop():
    product("MUG", "12.50", stock=10)
    fund(CUSTOMER, "100.00")


def place() -> Order:
    with acting_as("orders"):
        return services.order_place(customer_id=CUSTOMER, lines=[("MUG", 2)])


def free(*names: str) -> list[tuple[str, bool, bool]]:
    """What ``watched`` records when no transaction is open and the row is not locked."""
    return [(name, False, True) for name in names]


def test_the_saga_run_by_the_event_consumer_calls_with_nothing_locked(shop, watched):
    order = place()
    run_events()  # the consumer delivers OrderPlaced to orders.saga_start
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert watched == free("stock_reserve", "payment_capture", "stock_commit")


def test_a_customer_cancel_compensates_with_nothing_locked(shop, watched):
    order = place()
    run_events()
    watched.clear()
    with acting_as("orders"):
        cancelled = checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)
    assert cancelled.status == "cancelled" and balance(CUSTOMER) == Decimal("100.00")
    assert watched == free("stock_restock", "payment_refund")


def test_the_timeout_sweeper_compensates_with_nothing_locked(shop, watched, monkeypatch):
    order = place()

    class Died(Exception):
        pass

    def die(**kwargs):
        raise Died("the worker died before committing the stock")

    with monkeypatch.context() as mp:  # reserved and charged, then the worker died
        mp.setattr(inventory_api, "stock_commit", die)
        with acting_as("orders"), pytest.raises(Died):
            checkout.saga_advance(order_id=order.pk)
    watched.clear()
    with acting_as("orders"):
        assert checkout.saga_expire_overdue(now=timezone.now() + timedelta(hours=1)) == [order.pk]
    assert Order.objects.get(pk=order.pk).cancellation_reason == "timed_out"
    assert balance(CUSTOMER) == Decimal("100.00")
    assert watched == free("stock_release", "payment_refund")


def test_a_customer_cancel_answers_while_the_sagas_capture_is_still_in_flight(shop, settings):
    """Threads with their own connections: the saga's capture has reached payments and has
    not answered yet; the customer's cancel does not wait for it. Its late answer is dropped
    and the money it moved is refunded."""
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "manual"
    order = place()
    landed, let_go, answered = threading.Event(), threading.Event(), threading.Event()
    real = payments_api.payment_capture

    def slow_capture(**kwargs):
        result = real(**kwargs)  # committed by payments
        landed.set()
        let_go.wait(timeout=10)  # the answer is slow to come back
        answered.set()
        return result

    final_state = []

    def saga_thread():
        try:
            with acting_as("orders"):
                final_state.append(checkout.saga_advance(order_id=order.pk))
        finally:
            connections.close_all()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(payments_api, "payment_capture", slow_capture)
        thread = threading.Thread(target=saga_thread)
        thread.start()
        try:
            assert landed.wait(timeout=10)
            response = client_for(user_id=CUSTOMER).post(f"/api/v1/orders/{order.pk}/cancel/")
            capture_had_answered = answered.is_set()
        finally:
            let_go.set()
            thread.join(timeout=30)
    assert not capture_had_answered  # the cancel did not wait for the capture
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert final_state == ["cancelled"]
    assert balance(CUSTOMER) == Decimal("100.00")
    assert [o.status for o in Order.objects.all()] == ["cancelled"]


def test_a_round_that_waited_for_the_lock_sees_what_the_holder_decided(shop, settings):
    """A customer cancels while the saga's reserve call is in flight; the saga's next round
    queues on the order's lock behind the cancel. When it gets the lock it must see the
    cancel's decision (compensate), not the saga as it was when it started waiting: else it
    records the reservation, charges the customer and no compensation gives it back."""
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "manual"
    order = place()
    reserved, go, holding = threading.Event(), threading.Event(), threading.Event()
    real_reserve, real_begin = inventory_api.stock_reserve, checkout._compensation_begin

    def reserve_then_wait(**kwargs):
        result = real_reserve(**kwargs)
        reserved.set()
        go.wait(timeout=10)  # the answer comes back while the cancel holds the lock
        return result

    def begin_then_hold(saga, reason):
        real_begin(saga, reason)
        holding.set()
        with connections[orders_db()].cursor() as cursor:
            for _ in range(200):  # until the saga's round queues on the order's lock
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    break
                threading.Event().wait(0.05)

    def in_thread(target, out):
        def run():
            try:
                with acting_as("orders"):
                    out.append(target())
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    saga_outcome, cancel_outcome = [], []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inventory_api, "stock_reserve", reserve_then_wait)
        mp.setattr(checkout, "_compensation_begin", begin_then_hold)
        saga = in_thread(lambda: checkout.saga_advance(order_id=order.pk), saga_outcome)
        assert reserved.wait(timeout=10)
        cancel = in_thread(
            lambda: checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER).status,
            cancel_outcome,
        )
        assert holding.wait(timeout=10)
        go.set()
        cancel.join(timeout=30)
        saga.join(timeout=30)
    assert cancel_outcome == ["cancelled"] and saga_outcome == ["cancelled"]
    assert balance(CUSTOMER) == Decimal("100.00")
    assert stock("MUG").available == 10
