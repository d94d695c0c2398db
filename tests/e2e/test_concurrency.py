"""Real concurrency on PostgreSQL: threads with their own database connections hit the HTTP
API at once; the saga runs in those threads (events delivered in process after each commit)
and whatever is left is drained afterwards.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_x .venv/bin/pytest tests/e2e -m postgres
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from app.kernel.events.models import OutboxMessage
from app.kernel.events.store import outbox_dbs
from app.kernel.events.testing import dead
from modules.inventory.models import Reservation, StockItem
from modules.orders.models import CheckoutSaga, Order
from modules.payments.models import LedgerEntry, Payment, Wallet
from tests.e2e.shop import fund, product, run_events
from tests.kernel.http.auth import client_for

# monolith_pass: dozens of threads, each holding a connection per database it touches, go
# past PostgreSQL's default 100 connections once every module has a database of its own; the
# lock-free saga these tests race is exercised in the split pass by tests/modules/orders/
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.monolith_pass,
]

ORDERS = "/api/v1/orders/"


def run_in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` for i in range(count) in ``count`` threads started together."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def runner(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    return results


def _sum(queryset, field="amount") -> Decimal:
    return queryset.aggregate(s=Sum(field))["s"] or Decimal("0")


def assert_stock_consistent() -> None:
    for item in StockItem.objects.all():
        assert item.on_hand >= 0 and 0 <= item.reserved <= item.on_hand, item
        assert item.on_hand == item.received - item.written_off - item.sold + item.returned, item
        sold_now = sum(
            line["quantity"]
            for r in Reservation.objects.filter(status="sold")
            for line in r.lines
            if line["sku"] == item.sku
        )
        assert item.sold - item.returned == sold_now, item
        held = sum(
            line["quantity"]
            for r in Reservation.objects.filter(status="reserved")
            for line in r.lines
            if line["sku"] == item.sku
        )
        assert item.reserved == held, item


def assert_money_conserved() -> None:
    top_ups = _sum(LedgerEntry.objects.filter(kind="topup"))
    captured = _sum(LedgerEntry.objects.filter(kind="capture"))
    refunded = _sum(LedgerEntry.objects.filter(kind="refund"))
    balances = _sum(Wallet.objects.all(), "balance")
    assert top_ups == balances + captured - refunded, (top_ups, balances, captured, refunded)
    for wallet in Wallet.objects.all():
        entries = LedgerEntry.objects.filter(wallet=wallet)
        assert wallet.balance == (
            _sum(entries.filter(kind="topup"))
            - _sum(entries.filter(kind="capture"))
            + _sum(entries.filter(kind="refund"))
        ), wallet


def assert_orders_match_money_and_stock() -> None:
    """Confirmed orders are paid and sold; cancelled ones hold no money and no stock."""
    payments = {p.order_id: p for p in Payment.objects.all()}
    reservations = {r.order_id: r for r in Reservation.objects.all()}
    for order in Order.objects.all():
        payment, reservation = payments.get(order.pk), reservations.get(order.pk)
        if order.status == "confirmed":
            assert payment.status == "captured" and payment.amount == order.total, order
            assert reservation.status == "sold", order
        else:
            assert order.status == "cancelled", order
            assert payment is None or payment.status in ("declined", "refunded", "voided"), order
            assert reservation is None or reservation.status in (
                "failed",
                "released",
                "restocked",
            ), order
    assert not CheckoutSaga.objects.filter(state__in=CheckoutSaga.ACTIVE_STATES).exists()
    assert not dead(), "no delivery may end dead"
    # every path locks order -> stock rows (in SKU order) -> wallet: no deadlock, so no retry
    retried = sum(
        OutboxMessage.objects.using(alias).filter(attempts__gt=0).count() for alias in outbox_dbs()
    )
    assert retried == 0, f"{retried} deliveries failed at least once (deadlock?)"


def test_fifty_concurrent_checkouts_for_ten_units_confirm_exactly_ten():
    product("HOT", "1.00", stock=10)
    for customer in range(1, 51):
        fund(customer, "10.00")

    def checkout(i: int) -> int:
        client = client_for(user_id=i + 1)
        response = client.post(ORDERS, {"items": [{"sku": "HOT", "quantity": 1}]}, format="json")
        assert response.status_code == 202, response.content
        return response.json()["id"]

    order_ids = run_in_threads(50, checkout)
    still_running = CheckoutSaga.objects.filter(state__in=CheckoutSaga.ACTIVE_STATES).count()
    print(f"\nsagas still running after the threads: {still_running}")
    run_events()

    assert len(set(order_ids)) == 50
    outcomes = Counter(Order.objects.values_list("status", "cancellation_reason"))
    print("\n50 checkouts for 10 units:", dict(outcomes))
    assert outcomes == {("confirmed", None): 10, ("cancelled", "out_of_stock"): 40}
    item = StockItem.objects.get(sku="HOT")
    assert (item.on_hand, item.reserved, item.sold) == (0, 0, 10)
    assert _sum(LedgerEntry.objects.filter(kind="capture")) == Decimal("10.00")
    assert_stock_consistent()
    assert_money_conserved()
    assert_orders_match_money_and_stock()


def test_twenty_concurrent_posts_with_one_idempotency_key_create_one_order():
    product("HOT", "1.00", stock=100)
    fund(7, "100.00")
    body = {"items": [{"sku": "HOT", "quantity": 2}]}

    def post(i: int):
        response = client_for(user_id=7).post(
            ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="one-key"
        )
        return response.status_code, response.json().get("id")

    results = run_in_threads(20, post)
    run_events()
    statuses = Counter(status for status, _ in results)
    print("\n20 posts, one Idempotency-Key:", dict(statuses))
    assert set(statuses) <= {202, 409}
    assert statuses[202] >= 1
    assert len({order_id for status, order_id in results if status == 202}) == 1
    assert Order.objects.count() == 1
    assert Order.objects.get().status == "confirmed"
    assert _sum(LedgerEntry.objects.filter(kind="capture")) == Decimal("2.00")
    assert StockItem.objects.get(sku="HOT").sold == 2


def test_money_and_stock_are_conserved_after_a_mixed_concurrent_run():
    rng = random.Random(20261126)  # reproducible test data
    skus = [product(f"P{i}", f"{i + 1}.25", stock=6) for i in range(4)]
    customers = list(range(100, 120))
    for customer in customers:
        fund(customer, "20.00")
    plans = [
        (rng.choice(customers), rng.choice(("order", "order", "order", "top_up", "cancel")), i)
        for i in range(48)
    ]
    top_ups_ok: list[Decimal] = []
    lock = threading.Lock()

    def act(i: int):
        customer, action, seed = plans[i]
        local = random.Random(seed)
        client = client_for(user_id=customer)
        if action == "top_up":
            amount = Decimal(local.choice(("1.00", "2.50", "7.75")))
            response = client.post(
                "/api/v1/payments/wallet/top-up/", {"amount": str(amount)}, format="json"
            )
            assert response.status_code == 200, response.content
            with lock:
                top_ups_ok.append(amount)
            return action, 200
        items = [
            {"sku": sku, "quantity": local.randint(1, 3)}
            for sku in local.sample(skus, local.randint(1, 2))
        ]
        response = client.post(ORDERS, {"items": items}, format="json")
        assert response.status_code == 202, response.content
        if action == "cancel":
            response = client.post(f"{ORDERS}{response.json()['id']}/cancel/")
            assert response.status_code in (200, 409), response.content
        return action, response.status_code

    results = run_in_threads(len(plans), act)
    run_events()
    # cancel some confirmed orders afterwards: refund + restock
    for order in Order.objects.filter(status="confirmed")[:3]:
        response = client_for(user_id=order.customer_id).post(f"{ORDERS}{order.pk}/cancel/")
        assert response.status_code == 200
    run_events()

    outcomes = Counter(Order.objects.values_list("status", "cancellation_reason"))
    print("\nmixed run:", Counter(results), dict(outcomes))
    expected_top_ups = Decimal("20.00") * len(customers) + sum(top_ups_ok, Decimal("0"))
    assert _sum(LedgerEntry.objects.filter(kind="topup")) == expected_top_ups
    assert_money_conserved()
    assert_stock_consistent()
    assert_orders_match_money_and_stock()
    assert outcomes[("confirmed", None)] >= 1


def test_cancels_and_timeouts_racing_running_sagas_leave_everything_consistent(settings):
    """Sagas run while customers cancel the same orders and the sweeper times them out:
    every order ends confirmed or cancelled, and money and stock add up."""
    from django.utils import timezone

    from app.kernel.ownership import acting_as
    from modules.orders import checkout, services

    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "manual"  # sagas run only when the threads say so
    product("RACE", "3.00", stock=15)
    customers = list(range(300, 310))
    for customer in customers:
        fund(customer, "12.00")
    orders = [
        services.order_place(customer_id=customer, lines=[("RACE", 1 + n % 2)])
        for n, customer in enumerate(customers * 2)
    ]
    jobs = []
    for n, order in enumerate(orders):
        jobs += [("advance", order), ("cancel" if n % 2 else "advance", order)]
    jobs += [("advance", order) for order in orders[::4]] + [("expire", None)] * 4
    random.Random(7).shuffle(jobs)
    far_future = timezone.now() + timezone.timedelta(hours=1)

    def act(i: int):
        kind, order = jobs[i]
        with acting_as("orders"):
            if kind == "advance":
                return kind, checkout.saga_advance(order_id=order.pk)
            if kind == "expire":
                return kind, len(checkout.saga_expire_overdue(now=far_future if i % 2 else None))
            try:
                checkout.order_cancel(order_id=order.pk, customer_id=order.customer_id)
            except services.OrderNotCancellableError:
                return kind, "already cancelled"
            return kind, "cancelled"

    results = run_in_threads(len(jobs), act)
    run_events()
    outcomes = Counter(Order.objects.values_list("status", "cancellation_reason"))
    print("\nrace:", Counter(r[0] for r in results), dict(outcomes))
    assert sum(outcomes.values()) == len(orders)
    assert_money_conserved()
    assert_stock_consistent()
    assert_orders_match_money_and_stock()
    item = StockItem.objects.get(sku="RACE")
    assert item.reserved == 0
    confirmed_units = sum(
        line.quantity for o in Order.objects.filter(status="confirmed") for line in o.lines.all()
    )
    assert item.sold - item.returned == confirmed_units
