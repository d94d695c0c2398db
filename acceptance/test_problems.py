"""Bad requests: a clear 4xx as problem details, and nothing changed."""

from __future__ import annotations

from acceptance.client import Api, assert_problem
from acceptance.shop import API


def test_an_unknown_url_is_a_404_problem():
    assert_problem(Api().get("/api/v1/no-such-thing/"), 404, "not-found")


def test_a_method_not_allowed_is_405_with_allow(shop):
    response = shop.customer().request("DELETE", f"{API}/orders/")
    assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["Allow"]


def test_a_body_that_is_not_json_is_415_or_400(shop):
    customer = shop.customer()
    form = customer.post(f"{API}/payments/wallet/top-up/", data={"amount": "5.00"}, json=None)
    assert_problem(form, 415, "unsupported-media-type")
    broken = customer.post(
        f"{API}/payments/wallet/top-up/",
        content=b'{"amount": ',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(broken, 400, "malformed-request")
    assert customer.balance() == 0


def test_a_write_without_its_trailing_slash_is_a_404_naming_the_path(shop):
    response = shop.customer().post(f"{API}/payments/wallet/top-up", {"amount": "5.00"})
    body = assert_problem(response, 404, "not-found")
    assert f"{API}/payments/wallet/top-up/" in body["detail"]


def test_a_read_without_its_trailing_slash_is_redirected():
    response = Api().get(f"{API}/catalog/products")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"{API}/catalog/products/")


def test_an_oversized_body_is_413(shop):
    customer = shop.customer()
    response = customer.post(
        f"{API}/orders/",
        content=b'{"items": [' + b" " * 3_000_000 + b"]}",
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413, "payload-too-large")
    assert customer.get(f"{API}/orders/").json()["count"] == 0


def test_an_order_with_bad_lines_is_400_and_creates_nothing(shop):
    customer = shop.customer(funds="10.00")
    sku = shop.product(stock=1)["sku"]
    for body in (
        {"items": []},
        {"items": [{"sku": sku, "quantity": 0}]},
        {"items": [{"sku": sku, "quantity": "1"}]},
        {"items": [{"sku": sku}]},
        {"items": [{"sku": sku, "quantity": 1}], "coupon": "FREE"},
        {"items": [{"sku": shop.unique("NOPE"), "quantity": 1}]},
    ):
        assert_problem(customer.post(f"{API}/orders/", body), 400, "validation-error")
    assert customer.get(f"{API}/orders/").json()["count"] == 0
    assert shop.stock(sku)["reserved"] == 0 and customer.balance() == 10
