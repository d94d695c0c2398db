"""The checkout saga's outcomes as a customer sees them: confirmed, cancelled for money or
stock (stock released, nothing charged), cancelled by the customer (refund, restock)."""

from __future__ import annotations

from decimal import Decimal

from acceptance.client import assert_problem, wait_for
from acceptance.shop import API, Customer


def place(customer: Customer, *lines: tuple[str, int], **kwargs) -> dict:
    body = {"items": [{"sku": sku, "quantity": quantity} for sku, quantity in lines]}
    response = customer.post(f"{API}/orders/", body, **kwargs)
    assert response.status_code == 202, response.text
    return response.json()


def settle(customer: Customer, order: dict) -> dict:
    return wait_for(lambda: customer.settled(order["id"]), f"order {order['id']} to settle")


def ledger(customer: Customer) -> list[tuple[str, str, int | None]]:
    entries = customer.everything(f"{API}/payments/transactions/")
    return [(e["kind"], e["amount"], e["order_id"]) for e in entries]


def notified(customer: Customer, order_id: int, kind: str) -> dict | None:
    return next(
        (
            n
            for n in customer.everything(f"{API}/notifications/")
            if (n["order_id"], n["kind"]) == (order_id, kind)
        ),
        None,
    )


def test_a_read_that_may_wait_sees_the_checkout_decided(shop):
    """``Prefer: wait`` (ADR 0025): the server holds a read while the order is pending, so
    the customer reads it once (or a few times on a slow machine) instead of polling."""
    sku = shop.product(price="2.00", stock=1)["sku"]
    customer = shop.customer(funds="5.00")
    path = f"{API}/orders/{place(customer, (sku, 1))['id']}/"

    def held_read() -> dict | None:
        answer = customer.get(path, expect=200, headers={"Prefer": "wait=10"})
        assert answer.headers.get("Preference-Applied", "").startswith("wait="), answer.headers
        order = answer.json()
        return None if order["status"] == "pending" else order

    assert wait_for(held_read, "a held read to see the order decided")["status"] == "confirmed"


def test_an_order_is_accepted_pending_then_confirmed_charged_and_stock_sold(shop):
    sku = shop.product(price="12.50", stock=5)["sku"]
    customer = shop.customer(funds="50.00")
    order = place(customer, (sku, 2))
    assert (order["status"], order["total"], order["cancellation_reason"]) == (
        "pending", "25.00", None,
    )  # fmt: skip
    assert [
        (i["sku"], i["quantity"], i["unit_price"], i["line_total"]) for i in order["items"]
    ] == [(sku, 2, "12.50", "25.00")]
    assert {"id", "currency", "created_at", "updated_at"} <= order.keys()

    done = settle(customer, order)
    assert (done["status"], done["cancellation_reason"]) == ("confirmed", None)
    assert customer.balance() == Decimal("25.00")
    assert ledger(customer) == [("capture", "25.00", order["id"]), ("topup", "50.00", None)]
    assert shop.stock(sku) == {"sku": sku, "on_hand": 3, "reserved": 0, "available": 3}
    message = wait_for(lambda: notified(customer, order["id"], "order_confirmed"), "notification")
    assert message["message"]
    listed = customer.get(f"{API}/orders/").json()
    assert [o["id"] for o in listed["results"]] == [order["id"]]


def test_insufficient_funds_cancel_the_order_release_the_stock_and_charge_nothing(shop):
    sku = shop.product(price="30.00", stock=2)["sku"]
    customer = shop.customer(funds="20.00")
    order = place(customer, (sku, 1))
    done = settle(customer, order)
    assert (done["status"], done["cancellation_reason"]) == ("cancelled", "payment_declined")
    assert customer.balance() == Decimal("20.00")
    assert ledger(customer) == [("topup", "20.00", None)]
    assert shop.stock(sku) == {"sku": sku, "on_hand": 2, "reserved": 0, "available": 2}
    wait_for(lambda: notified(customer, order["id"], "order_cancelled"), "notification")


def test_too_little_stock_cancels_the_order_reserves_nothing_and_charges_nothing(shop):
    plenty, short = shop.product(stock=10)["sku"], shop.product(stock=1)["sku"]
    customer = shop.customer(funds="100.00")
    order = place(customer, (plenty, 2), (short, 2))
    done = settle(customer, order)
    assert (done["status"], done["cancellation_reason"]) == ("cancelled", "out_of_stock")
    assert customer.balance() == Decimal("100.00")
    assert ledger(customer) == [("topup", "100.00", None)]
    assert shop.stock(plenty)["available"] == 10 and shop.stock(plenty)["reserved"] == 0
    assert shop.stock(short)["available"] == 1


def test_a_product_without_stock_is_out_of_stock(shop):
    sku = shop.product()["sku"]
    customer = shop.customer(funds="10.00")
    done = settle(customer, place(customer, (sku, 1)))
    assert (done["status"], done["cancellation_reason"]) == ("cancelled", "out_of_stock")
    assert customer.balance() == Decimal("10.00")


def test_cancelling_a_confirmed_order_refunds_and_restocks(shop):
    sku = shop.product(price="8.00", stock=4)["sku"]
    customer = shop.customer(funds="20.00")
    order = settle(customer, place(customer, (sku, 2)))
    assert order["status"] == "confirmed"
    response = customer.post(f"{API}/orders/{order['id']}/cancel/")
    assert response.status_code in (200, 202), response.text
    done = settle_cancelled(customer, order["id"])
    assert done["cancellation_reason"] == "cancelled_by_customer"
    assert customer.balance() == Decimal("20.00")
    assert sorted(ledger(customer)) == sorted(
        [("topup", "20.00", None), ("capture", "16.00", order["id"]),
         ("refund", "16.00", order["id"])]
    )  # fmt: skip
    assert shop.stock(sku) == {"sku": sku, "on_hand": 4, "reserved": 0, "available": 4}
    again = customer.post(f"{API}/orders/{order['id']}/cancel/")
    assert_problem(again, 409, "conflict")


def test_cancelling_right_after_placing_ends_cancelled_with_nothing_kept(shop):
    sku = shop.product(price="5.00", stock=3)["sku"]
    customer = shop.customer(funds="5.00")
    order = place(customer, (sku, 1))
    response = customer.post(f"{API}/orders/{order['id']}/cancel/")
    assert response.status_code in (200, 202), response.text
    done = settle_cancelled(customer, order["id"])
    assert done["cancellation_reason"] == "cancelled_by_customer"
    wait_for(lambda: customer.balance() == Decimal("5.00"), "the money back")
    wait_for(lambda: shop.stock(sku)["available"] == 3, "the stock back")
    assert shop.stock(sku) == {"sku": sku, "on_hand": 3, "reserved": 0, "available": 3}


def settle_cancelled(customer: Customer, order_id: int) -> dict:
    return wait_for(
        lambda: (o := customer.order(order_id))["status"] == "cancelled" and o,
        f"order {order_id} to be cancelled",
    )


def test_another_customers_order_is_404_and_nothing_of_it_shows_in_my_lists(shop):
    sku = shop.product(stock=1)["sku"]
    owner, other = shop.customer(funds="10.00"), shop.customer()
    order = place(owner, (sku, 1))
    assert_problem(other.get(f"{API}/orders/{order['id']}/"), 404, "not-found")
    assert_problem(other.post(f"{API}/orders/{order['id']}/cancel/"), 404, "not-found")
    assert other.get(f"{API}/orders/").json()["count"] == 0
    assert settle(owner, order)["status"] == "confirmed"
    wait_for(lambda: notified(owner, order["id"], "order_confirmed"), "the owner's notification")
    assert other.get(f"{API}/notifications/").json()["count"] == 0
    assert other.get(f"{API}/payments/transactions/").json()["count"] == 0


def test_staff_sales_report_counts_confirmed_units_of_a_sku(shop, staff):
    sku = shop.product(price="3.00", stock=10)["sku"]
    customer = shop.customer(funds="30.00")
    for quantity in (1, 2):
        assert settle(customer, place(customer, (sku, quantity)))["status"] == "confirmed"

    def sold() -> dict | None:
        report = staff.get(f"{API}/analytics/sales/", expect=200).json()
        line = next((line for line in report["per_sku"] if line["sku"] == sku), None)
        return line if line and line["units"] == 3 else None

    assert wait_for(sold, f"the sales report to count {sku}") == {
        "sku": sku, "units": 3, "revenue": "9.00",
    }  # fmt: skip
