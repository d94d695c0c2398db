"""Through the edge of the split topology, clients see the API of the monolith: one schema,
JWTs from accounts accepted by every service, problem details, throttling with Retry-After,
Idempotency-Key, pagination links that point at the edge, and the health probes."""

from __future__ import annotations

import uuid

import httpx
import pytest
import yaml

from tests.chaos.cluster import ROOT
from tests.drills.conftest import ANON_RATE
from tests.drills.customer import Customer

pytestmark = [pytest.mark.drills, pytest.mark.slow]

PROBLEM = "application/problem+json"


@pytest.fixture
def customer(split):
    return Customer(split.base_url)


def test_the_schema_through_the_edge_is_the_full_committed_one(split):
    served = httpx.get(f"{split.base_url}/api/schema/", timeout=30)
    assert served.status_code == 200
    committed = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    assert yaml.safe_load(served.text) == committed
    assert any(path.startswith("/api/v1/payments/") for path in committed["paths"])


def test_health_probes_answer_through_the_edge(split):
    for probe in ("/healthz/", "/readyz/"):
        response = httpx.get(f"{split.base_url}{probe}", timeout=10)
        assert (response.status_code, response.json()["status"]) == (200, "ok")


def test_a_token_from_accounts_works_in_every_service_and_a_bad_one_nowhere(split, customer):
    customer.top_up("5.00")  # payments: no user table, the token is checked statelessly
    assert customer.client.get("/api/v1/payments/wallet/").json()["balance"] == "5.00"
    assert customer.client.get("/api/v1/notifications/").status_code == 200
    assert customer.client.get("/api/v1/accounts/me/").json()["id"] == customer.id
    forged = {"Authorization": "Bearer not.a.token"}
    bodies = []
    for path in ("/api/v1/payments/wallet/", "/api/v1/notifications/", "/api/v1/orders/"):
        response = httpx.get(f"{split.base_url}{path}", headers=forged, timeout=10)
        assert (response.status_code, response.headers["content-type"]) == (401, PROBLEM), path
        bodies.append({k: v for k, v in response.json().items() if k != "instance"})
    assert bodies[0] == bodies[1] == bodies[2]


def test_staff_rights_travel_in_the_token_to_every_service(split):
    with httpx.Client(base_url=split.base_url, timeout=30) as staff:
        credentials = {
            "email": split.env["DJANGO_SUPERUSER_EMAIL"],
            "password": split.env["DJANGO_SUPERUSER_PASSWORD"],
        }
        token = staff.post("/api/v1/accounts/token/", json=credentials).json()["access"]
        staff.headers["Authorization"] = f"Bearer {token}"
        assert staff.get("/api/v1/accounts/me/").json()["is_staff"] is True
        assert staff.get("/api/v1/analytics/sales/").status_code == 200


def test_pagination_links_point_at_the_edge(split, customer):
    for _ in range(3):
        customer.top_up("1.00")
    page = customer.client.get("/api/v1/payments/transactions/", params={"page_size": 1}).json()
    assert page["count"] == 3
    assert page["next"].startswith(f"{split.base_url}/api/v1/payments/transactions/?")


def test_an_idempotency_key_replays_the_first_answer_across_the_edge(split, customer):
    customer.top_up("50.00")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"items": [{"sku": "CHAOS-C", "quantity": 1}]}
    first = customer.client.post("/api/v1/orders/", json=body, headers=key)
    again = customer.client.post("/api/v1/orders/", json=body, headers=key)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    other = customer.client.post(
        "/api/v1/orders/", json={"items": [{"sku": "CHAOS-C", "quantity": 2}]}, headers=key
    )
    assert (other.status_code, other.headers["content-type"]) == (422, PROBLEM)


def test_anonymous_clients_are_throttled_with_retry_after(split):
    with httpx.Client(base_url=split.base_url, timeout=10) as anonymous:
        statuses = [anonymous.get("/api/v1/catalog/products/") for _ in range(ANON_RATE + 1)]
    throttled = [r for r in statuses if r.status_code == 429]
    assert throttled, [r.status_code for r in statuses]
    assert int(throttled[0].headers["retry-after"]) > 0
    assert throttled[0].headers["content-type"] == PROBLEM


def test_unknown_things_are_problems_whichever_service_answers(split, customer):
    for path in ("/api/v1/orders/999999/", "/api/v1/payments/nothing-here/", "/nothing/"):
        response = customer.client.get(path)
        assert (response.status_code, response.headers["content-type"]) == (404, PROBLEM), path
