"""End to end through HTTP only: a new customer registers, logs in, tops up, orders, and sees
the order confirmed, the wallet charged, the stock moved, a notification and the sale; then
cancels and gets refund and restock. Staff set up the product and its stock over HTTP too.

Events are delivered as in production (outbox → consumer), drained in this thread.
"""

import pytest
from rest_framework.test import APIClient

from tests.e2e.shop import run_events

pytestmark = pytest.mark.django_db

API = "/api/v1"


def login(email: str, password: str) -> APIClient:
    client = APIClient()
    response = client.post(
        f"{API}/accounts/token/", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


@pytest.fixture
def staff(django_user_model):
    django_user_model.objects.create_user("boss@example.com", "staff-pass-123", is_staff=True)
    return login("boss@example.com", "staff-pass-123")


def register(email: str) -> tuple[APIClient, int]:
    password = "correct-horse-battery-9"
    response = APIClient().post(
        f"{API}/accounts/register/", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 201, response.content
    return login(email, password), response.json()["id"]


def test_register_top_up_order_confirmed_then_cancel(staff):
    created = staff.post(
        f"{API}/catalog/products/",
        {"sku": "E2E-MUG", "name": "Mug", "price": "12.50", "description": "A mug"},
        format="json",
    )
    assert created.status_code == 201, created.content
    stocked = staff.post(f"{API}/inventory/stock/E2E-MUG/adjust/", {"delta": 5}, format="json")
    assert stocked.json() == {"sku": "E2E-MUG", "on_hand": 5, "reserved": 0, "available": 5}

    customer, customer_id = register("ann@example.com")
    assert customer.get(f"{API}/accounts/me/").json()["id"] == customer_id
    assert customer.get(f"{API}/payments/wallet/").json() == {"balance": "0.00", "currency": "EUR"}
    topped = customer.post(f"{API}/payments/wallet/top-up/", {"amount": "50.00"}, format="json")
    assert topped.json()["balance"] == "50.00"

    placed = customer.post(
        f"{API}/orders/",
        {"items": [{"sku": "E2E-MUG", "quantity": 2}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e2e-order-1",
    )
    assert placed.status_code == 202, placed.content
    order = placed.json()
    assert (order["status"], order["total"], order["currency"]) == ("pending", "25.00", "EUR")

    run_events()

    order = customer.get(f"{API}/orders/{order['id']}/").json()
    assert order["status"] == "confirmed" and order["cancellation_reason"] is None
    assert customer.get(f"{API}/payments/wallet/").json()["balance"] == "25.00"
    ledger = customer.get(f"{API}/payments/transactions/").json()
    assert [(e["kind"], e["amount"], e["order_id"]) for e in ledger["results"]] == [
        ("capture", "25.00", order["id"]),
        ("topup", "50.00", None),
    ]
    assert staff.get(f"{API}/inventory/stock/E2E-MUG/").json() == {
        "sku": "E2E-MUG",
        "on_hand": 3,
        "reserved": 0,
        "available": 3,
    }
    notes = customer.get(f"{API}/notifications/").json()["results"]
    assert [(n["kind"], n["order_id"]) for n in notes] == [("order_confirmed", order["id"])]
    sales = staff.get(f"{API}/analytics/sales/").json()
    assert (sales["confirmed_orders"], sales["revenue"], sales["units"]) == (1, "25.00", 2)
    assert sales["per_sku"] == [{"sku": "E2E-MUG", "units": 2, "revenue": "25.00"}]

    # the same Idempotency-Key replays the first answer and creates nothing
    replay = customer.post(
        f"{API}/orders/",
        {"items": [{"sku": "E2E-MUG", "quantity": 2}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e2e-order-1",
    )
    assert replay.status_code == 202 and replay.json()["id"] == order["id"]
    assert customer.get(f"{API}/orders/").json()["count"] == 1

    # another customer cannot see or cancel it
    other, _ = register("bob@example.com")
    assert other.get(f"{API}/orders/{order['id']}/").status_code == 404
    assert other.post(f"{API}/orders/{order['id']}/cancel/").status_code == 404
    assert other.get(f"{API}/orders/").json()["count"] == 0

    cancelled = customer.post(f"{API}/orders/{order['id']}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["cancellation_reason"] == "cancelled_by_customer"
    run_events()
    assert customer.get(f"{API}/payments/wallet/").json()["balance"] == "50.00"
    assert staff.get(f"{API}/inventory/stock/E2E-MUG/").json()["on_hand"] == 5
    kinds = {n["kind"] for n in customer.get(f"{API}/notifications/").json()["results"]}
    assert kinds == {"order_confirmed", "order_cancelled"}
    sales = staff.get(f"{API}/analytics/sales/").json()
    assert (sales["confirmed_orders"], sales["revenue"]) == (0, "0.00")
    assert customer.post(f"{API}/orders/{order['id']}/cancel/").status_code == 409


def test_declined_and_out_of_stock_orders_through_http(staff):
    staff.post(
        f"{API}/catalog/products/",
        {"sku": "E2E-TV", "name": "TV", "price": "400.00"},
        format="json",
    )
    staff.post(f"{API}/inventory/stock/E2E-TV/adjust/", {"delta": 1}, format="json")
    customer, _ = register("cid@example.com")
    customer.post(f"{API}/payments/wallet/top-up/", {"amount": "100.00"}, format="json")

    declined = customer.post(
        f"{API}/orders/", {"items": [{"sku": "E2E-TV", "quantity": 1}]}, format="json"
    ).json()
    too_many = customer.post(
        f"{API}/orders/", {"items": [{"sku": "E2E-TV", "quantity": 2}]}, format="json"
    ).json()
    run_events()

    assert customer.get(f"{API}/orders/{declined['id']}/").json()["cancellation_reason"] == (
        "payment_declined"
    )
    assert customer.get(f"{API}/orders/{too_many['id']}/").json()["cancellation_reason"] == (
        "out_of_stock"
    )
    assert customer.get(f"{API}/payments/wallet/").json()["balance"] == "100.00"
    assert staff.get(f"{API}/inventory/stock/E2E-TV/").json()["available"] == 1
    notes = customer.get(f"{API}/notifications/").json()["results"]
    assert sorted(n["kind"] for n in notes) == ["order_cancelled", "order_cancelled"]
