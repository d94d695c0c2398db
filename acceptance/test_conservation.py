"""A burst of concurrent orders (and cancellations) from several customers on scarce stock:
once every order has settled, money and stock add up to the last cent and unit."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial

from acceptance.client import wait_for
from acceptance.shop import API, Customer

FUNDS = ("40.00", "60.00", "80.00", "100.00", "20.00", "50.00")
ORDERS_EACH = 5
CANCEL_EVERY = 4  # every 4th order is cancelled by its customer right after it is placed


def unreserved(shop, sku: str) -> dict | None:
    """The SKU's stock once nothing of it is reserved, else None."""
    stock = shop.stock(sku)
    return stock if stock["reserved"] == 0 else None


def holds(customer: Customer, balance: Decimal) -> bool:
    return customer.balance() == balance


def test_money_and_stock_are_conserved_after_a_burst_of_orders(shop, staff):
    prices = {"A": "10.00", "B": "25.00"}
    initial = {"A": 12, "B": 5}
    skus = {key: shop.product(price=prices[key], stock=initial[key])["sku"] for key in prices}
    customers = [shop.customer(funds=funds) for funds in FUNDS]
    plan = [
        (customer, n, [(skus["A"], 1 + n % 3)] + ([(skus["B"], 1)] if n % 2 else []))
        for n in range(ORDERS_EACH)
        for customer in customers
    ]

    def order_and_maybe_cancel(step: tuple[Customer, int, list]) -> tuple[Customer, int]:
        customer, n, lines = step
        body = {"items": [{"sku": sku, "quantity": quantity} for sku, quantity in lines]}
        placed = customer.post(f"{API}/orders/", body)
        assert placed.status_code == 202, placed.text
        order_id = placed.json()["id"]
        if n % CANCEL_EVERY == CANCEL_EVERY - 1:
            cancel = customer.post(f"{API}/orders/{order_id}/cancel/")
            assert cancel.status_code in (200, 202, 409), cancel.text
        return customer, order_id

    with ThreadPoolExecutor(12) as pool:
        placed = list(pool.map(order_and_maybe_cancel, plan))

    final = {
        order_id: wait_for(partial(customer.settled, order_id), f"order {order_id} to settle")
        for customer, order_id in placed
    }
    outcomes = Counter((o["status"], o["cancellation_reason"]) for o in final.values())
    assert sum(outcomes.values()) == len(plan)
    confirmed = [o for o in final.values() if o["status"] == "confirmed"]
    assert confirmed, outcomes

    sold = Counter()
    for order in confirmed:
        for item in order["items"]:
            sold[item["sku"]] += item["quantity"]
    for key, sku in skus.items():
        stock = wait_for(partial(unreserved, shop, sku), f"{sku} reservations to end")
        assert stock["on_hand"] == initial[key] - sold[sku] >= 0, (stock, sold, outcomes)
        assert stock["available"] == stock["on_hand"]

    for customer, funds in zip(customers, FUNDS, strict=True):
        mine = {order_id for c, order_id in placed if c is customer}
        spent = sum(Decimal(final[i]["total"]) for i in mine if final[i]["status"] == "confirmed")
        wait_for(partial(holds, customer, Decimal(funds) - spent), "refunds to land")
        net = Counter()
        for entry in customer.everything(f"{API}/payments/transactions/"):
            amount = Decimal(entry["amount"])
            if entry["kind"] == "topup":
                net[None] += amount
            else:
                assert entry["order_id"] in mine, entry
                net[entry["order_id"]] += amount if entry["kind"] == "capture" else -amount
        assert net[None] == Decimal(funds)
        for order_id in mine:
            charged = Decimal(final[order_id]["total"]) if final[order_id] in confirmed else 0
            assert net[order_id] == charged, (order_id, final[order_id], net[order_id])

    def reported() -> bool:
        per_sku = {
            line["sku"]: line for line in staff.get(f"{API}/analytics/sales/").json()["per_sku"]
        }
        return all(per_sku.get(sku, {"units": 0})["units"] == sold[sku] for sku in skus.values())

    wait_for(reported, "the sales report to count the burst")
