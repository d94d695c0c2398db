"""Failure drills: the ``split`` topology as ``make up-split`` runs it (every service's web,
worker, relay and beat, nginx in front), customers ordering through the edge while one
service is down.

- notifications down: checkout is unaffected; every notification arrives once it is back;
- payments (web and worker) down and back within the saga deadline: orders are still
  accepted (202), the breaker opens so capture calls fail fast, and the orders confirm;
- payments down past the deadline: the orders are cancelled ``timed_out``, their stock
  released, nobody charged.

After each, money and stock are conserved and nothing is charged twice
(:mod:`tests.chaos.conservation`). ``make drills`` runs them (marker ``drills``, also
``slow``) on the deployment of ``conftest.py``; waiting is bounded polling, no timing is
asserted.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from tests.chaos.conservation import listing, violations
from tests.chaos.test_chaos import SKUS
from tests.drills.conftest import SAGA_TIMEOUT
from tests.drills.customer import Customer
from tests.drills.deployment import SplitDeployment
from tests.waiting import wait_for

pytestmark = [pytest.mark.drills, pytest.mark.slow, pytest.mark.timeout(1200)]

logging.getLogger("httpx").setLevel(logging.WARNING)

ORDERS = 4
PRICE = Decimal(SKUS["CHAOS-A"][0])


def settled(customer: Customer, orders: list[int], timeout: float) -> dict[int, tuple]:
    """Each order's terminal (status, reason), once none is pending."""

    def all_terminal() -> dict[int, tuple] | None:
        outcomes = {order: customer.order_status(order) for order in orders}
        return None if any(s == "pending" for s, _ in outcomes.values()) else outcomes

    return wait_for(all_terminal, timeout, f"orders {orders} to settle")


def stock_of(customer: Customer, sku: str) -> dict:
    return customer.client.get(f"/api/v1/inventory/stock/{sku}/").json()


def assert_conserved(split: SplitDeployment, expected: frozenset[str] = frozenset()) -> None:
    found = violations(split.query_module, outbox_modules=("orders", "payments", "notifications"))
    bad = {name: n for name, n in found.items() if n and name not in expected}
    print(f"\ndrill invariants: {listing(found)}")
    assert not bad, f"violations: {bad} (logs in {split.logs})"


def test_notifications_down_checkout_goes_on_and_every_notification_arrives_later(split):
    customer = Customer(split.base_url)
    customer.top_up("100.00")
    split.stop_service("notifications")
    orders = [customer.order() for _ in range(ORDERS)]
    outcomes = settled(customer, orders, SAGA_TIMEOUT)
    assert set(outcomes.values()) == {("confirmed", None)}
    assert customer.balance() == Decimal("100.00") - ORDERS * PRICE
    waiting = split.query_module(
        "orders",
        "SELECT count(*) FROM seams_events_outbox WHERE handler = 'notifications.*' "
        "AND status <> 'done'",
    )[0][0]
    assert waiting > 0, "no event was held for notifications while it was down"
    split.start_service("notifications")
    wait_for(lambda: customer.notified_orders() == sorted(orders), 60, "every notification")
    assert split.query_module(
        "notifications",
        "SELECT count(*) FROM notifications_notification WHERE customer_id = %s",
        (customer.id,),
    ) == [(ORDERS,)]
    assert_conserved(split)


def test_payments_down_within_the_deadline_orders_are_accepted_and_confirm_when_it_returns(
    split,
):
    customer = Customer(split.base_url)
    customer.top_up("100.00")
    split.stop_service("payments", roles=("web", "worker"))
    orders = [customer.order() for _ in range(ORDERS)]
    assert customer.client.get("/api/v1/payments/wallet/").status_code == 503
    wait_for(
        lambda: split.query_module(
            "orders",
            "SELECT count(*) FROM seams_events_attempt WHERE error LIKE %s",
            ("%payments.payment_capture: circuit open%",),
        )[0][0],
        SAGA_TIMEOUT / 2,
        "the payments breaker to open (capture calls failing fast)",
    )
    assert {customer.order_status(order)[0] for order in orders} == {"pending"}
    split.start_service("payments", roles=("web", "worker"))
    outcomes = settled(customer, orders, SAGA_TIMEOUT * 2)
    assert set(outcomes.values()) == {("confirmed", None)}
    assert customer.balance() == Decimal("100.00") - ORDERS * PRICE
    assert_conserved(split)


def test_payments_down_past_the_deadline_orders_time_out_released_and_uncharged(split):
    customer = Customer(split.base_url)
    customer.top_up("100.00")
    before = stock_of(customer, "CHAOS-A")
    split.stop_service("payments", roles=("web", "worker"))
    orders = [customer.order() for _ in range(ORDERS)]
    wait_for(
        lambda: (
            split.query_module(
                "orders",
                "SELECT count(*) FROM orders_checkoutsaga WHERE order_id = ANY(%s) "
                "AND cancel_reason = 'timed_out'",
                (orders,),
            )
            == [(ORDERS,)]
        ),
        SAGA_TIMEOUT * 3,
        "the sagas to pass their deadline and be timed out",
    )
    split.start_service("payments", roles=("web", "worker"))
    outcomes = settled(customer, orders, SAGA_TIMEOUT * 2)
    assert set(outcomes.values()) == {("cancelled", "timed_out")}
    assert customer.balance() == Decimal("100.00")
    assert split.query_module(
        "payments",
        "SELECT count(*) FROM payments_ledgerentry WHERE kind = 'capture' AND order_id = ANY(%s)",
        (orders,),
    ) == [(0,)]
    after = stock_of(customer, "CHAOS-A")
    assert (after["available"], after["reserved"]) == (before["available"], before["reserved"])
    assert_conserved(split, expected=frozenset({"timed_out"}))
