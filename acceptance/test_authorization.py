"""Who may call what: a token where one is needed (401), staff where staff are (403)."""

from __future__ import annotations

import pytest

from acceptance.client import Api, assert_problem
from acceptance.shop import API

CUSTOMER_ONLY = [
    ("GET", "/accounts/me/"),
    ("GET", "/payments/wallet/"),
    ("POST", "/payments/wallet/top-up/"),
    ("GET", "/payments/transactions/"),
    ("GET", "/orders/"),
    ("POST", "/orders/"),
    ("GET", "/orders/1/"),
    ("POST", "/orders/1/cancel/"),
    ("GET", "/notifications/"),
]
STAFF_ONLY = [
    ("POST", "/catalog/products/"),
    ("PATCH", "/catalog/products/{id}/"),
    ("POST", "/inventory/stock/{sku}/adjust/"),
    ("GET", "/analytics/sales/"),
]
BODIES = {  # valid bodies, so the answer is about who calls, not what is sent
    "/payments/wallet/top-up/": {"amount": "1.00"},
    "/orders/": {"items": [{"sku": "X", "quantity": 1}]},
    "/catalog/products/": {"sku": "ACC-NEVER", "name": "Never", "price": "1.00"},
    "/catalog/products/{id}/": {"price": "2.00"},
    "/inventory/stock/{sku}/adjust/": {"delta": 1},
}


@pytest.fixture(scope="module")
def product(shop):
    return shop.product(stock=1)


@pytest.fixture(scope="module")
def customer(shop):
    return shop.customer()


def call(api: Api, method: str, template: str, product: dict):
    path = template.format(id=product["id"], sku=product["sku"])
    return api.request(method, f"{API}{path}", json=BODIES.get(template))


@pytest.mark.parametrize(("method", "path"), CUSTOMER_ONLY + STAFF_ONLY)
def test_anonymous_callers_get_401(method, path, product):
    assert_problem(call(Api(), method, path, product), 401, "not-authenticated")


@pytest.mark.parametrize(("method", "path"), STAFF_ONLY)
def test_customers_get_403_on_staff_endpoints_and_nothing_changes(
    method, path, shop, product, customer
):
    assert_problem(call(customer, method, path, product), 403, "permission-denied")
    assert Api().get(f"{API}/catalog/products/{product['id']}/").json() == product
    assert shop.stock(product["sku"])["on_hand"] == 1


@pytest.mark.parametrize(
    "path", ["/internal/api/payments/balance_get/", "/internal/events/notifications/"]
)
def test_internal_endpoints_serve_no_client_even_with_a_customer_token(path, customer):
    for caller in (Api(), customer):
        response = caller.post(path, {"customer_id": customer.id})
        assert response.status_code in (401, 404), (path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "value" not in response.json()  # what a served call answers
