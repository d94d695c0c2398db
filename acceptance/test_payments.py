"""The wallet: demo top-ups, bounded and strict, and the customer's own ledger."""

from __future__ import annotations

from acceptance.client import assert_problem
from acceptance.shop import API, MAX_TOP_UP


def test_a_new_wallet_is_empty_and_a_top_up_lands_in_the_ledger(shop):
    customer = shop.customer()
    wallet = customer.get(f"{API}/payments/wallet/")
    assert wallet.status_code == 200
    assert wallet.json()["balance"] == "0.00" and wallet.json()["currency"]
    topped = customer.post(f"{API}/payments/wallet/top-up/", {"amount": "25.5"})
    assert topped.status_code == 200 and topped.json()["balance"] == "25.50"
    ledger = customer.get(f"{API}/payments/transactions/").json()
    assert ledger["count"] == 1
    assert [(e["kind"], e["amount"], e["order_id"]) for e in ledger["results"]] == [
        ("topup", "25.50", None)
    ]


def test_a_top_up_out_of_bounds_or_not_a_decimal_string_is_400(shop):
    customer = shop.customer(funds="1.00")
    too_much = f"{MAX_TOP_UP + 1:.2f}"
    for amount in (5, "0", "-5.00", "1e2", " 5", "5.001", too_much):
        response = customer.post(f"{API}/payments/wallet/top-up/", {"amount": amount})
        assert_problem(response, 400, "validation-error")
    assert customer.balance() == 1


def test_a_top_up_with_an_unknown_field_is_400(shop):
    customer = shop.customer()
    response = customer.post(f"{API}/payments/wallet/top-up/", {"amount": "5.00", "customer_id": 1})
    assert_problem(response, 400, "validation-error")
    assert customer.balance() == 0
