"""``Idempotency-Key`` on ``POST /api/v1/orders/``: Stripe's semantics, per customer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from acceptance.client import assert_problem
from acceptance.shop import API


def order_body(sku: str, quantity: int = 1) -> dict:
    return {"items": [{"sku": sku, "quantity": quantity}]}


def orders_of(customer) -> list[int]:
    return [o["id"] for o in customer.everything(f"{API}/orders/")]


def test_the_same_key_and_body_replay_the_first_response_and_create_one_order(shop):
    sku = shop.product(stock=5)["sku"]
    customer = shop.customer(funds="50.00")
    key = {"Idempotency-Key": shop.unique("key")}
    first = customer.post(f"{API}/orders/", order_body(sku), headers=key)
    assert first.status_code == 202, first.text
    again = customer.post(f"{API}/orders/", order_body(sku), headers=key)
    assert again.status_code == 202
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert orders_of(customer) == [first.json()["id"]]


def test_the_same_key_with_another_body_is_422(shop):
    sku = shop.product(stock=5)["sku"]
    customer = shop.customer(funds="50.00")
    key = {"Idempotency-Key": shop.unique("key")}
    first = customer.post(f"{API}/orders/", order_body(sku), headers=key)
    assert first.status_code == 202
    other = customer.post(f"{API}/orders/", order_body(sku, 2), headers=key)
    assert_problem(other, 422, "unprocessable")
    assert orders_of(customer) == [first.json()["id"]]


def test_a_failed_request_releases_its_key(shop):
    sku = shop.product(stock=5)["sku"]
    customer = shop.customer(funds="50.00")
    key = {"Idempotency-Key": shop.unique("key")}
    bad = customer.post(f"{API}/orders/", order_body(sku, 0), headers=key)
    assert_problem(bad, 400, "validation-error")
    fixed = customer.post(f"{API}/orders/", order_body(sku), headers=key)
    assert fixed.status_code == 202
    assert orders_of(customer) == [fixed.json()["id"]]


def test_keys_belong_to_one_customer(shop):
    sku = shop.product(stock=5)["sku"]
    ann, bob = shop.customer(funds="50.00"), shop.customer(funds="50.00")
    key = {"Idempotency-Key": shop.unique("key")}
    first = ann.post(f"{API}/orders/", order_body(sku), headers=key)
    second = bob.post(f"{API}/orders/", order_body(sku), headers=key)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] != second.json()["id"]
    assert "Idempotent-Replayed" not in second.headers


def test_a_key_that_is_not_printable_ascii_or_too_long_is_400(shop):
    sku = shop.product(stock=5)["sku"]
    customer = shop.customer(funds="50.00")
    for key in (b"", b"x" * 256, "caf\u00e9".encode(), b"tab\there"):
        response = customer.post(
            f"{API}/orders/", order_body(sku), headers={"Idempotency-Key": key}
        )
        assert_problem(response, 400, "validation-error")
    assert orders_of(customer) == []


def test_concurrent_posts_with_one_key_create_one_order(shop):
    sku = shop.product(stock=5)["sku"]
    customer = shop.customer(funds="50.00")
    key = {"Idempotency-Key": shop.unique("key")}
    with ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(
                lambda _: customer.post(f"{API}/orders/", order_body(sku), headers=key), range(8)
            )
        )
    created = {r.json()["id"] for r in responses if r.status_code == 202}
    assert len(created) == 1, [r.status_code for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "conflict")
            assert response.headers["Retry-After"]
        else:
            assert response.status_code == 202
    assert orders_of(customer) == list(created)
