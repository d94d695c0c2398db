"""The golden signals and the saga's metrics move for a checkout: confirmed, and declined
(not enough money). In the split pass the api calls are remote and counted as such."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from app.kernel import topology
from tests.e2e.shop import fund, product, run_events
from tests.kernel.http.auth import client_for

pytestmark = pytest.mark.django_db

CUSTOMER = 32


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def snapshot() -> dict[str, float]:
    delivery = "remote" if topology.is_remote("orders", "payments") else "sync"
    return {
        "started": value("seams_saga_started_total"),
        "confirmed": value("seams_saga_ended_total", outcome="confirmed", reason=""),
        "declined": value("seams_saga_ended_total", outcome="cancelled", reason="payment_declined"),
        "terminal": value("seams_saga_duration_seconds_count", outcome="cancelled")
        + value("seams_saga_duration_seconds_count", outcome="confirmed"),
        "placed": value(
            "seams_http_requests_total",
            method="POST",
            route="api/v1/orders/",
            status="202",
            module="orders",
        ),
        "captures": value(
            "seams_module_api_calls_total",
            module="payments",
            function="payment_capture",
            delivery=delivery,
            outcome="ok",
        ),
        "saga_runs": value(
            "seams_event_handler_runs_total",
            module="orders",
            handler="orders.saga_start",
            event="orders.OrderPlaced",
            delivery="async",
            outcome="ok",
        ),
        "delivered": value(
            "seams_event_deliveries_total",
            event="orders.OrderPlaced",
            module="orders",
            outcome="delivered",
        ),
        "published": value("seams_events_published_total", event="orders.OrderPlaced"),
    }


def checkout(quantity: int, committed) -> None:
    """Place an order and run its saga; the saga's metrics are recorded at commit, and in a
    test's transaction nothing commits: its on-commit hooks are run as they come."""
    with committed(using=topology.database_of("orders"), execute=True):
        response = client_for(user_id=CUSTOMER).post(
            "/api/v1/orders/", {"items": [{"sku": "MUG", "quantity": quantity}]}, format="json"
        )
        assert response.status_code == 202
        run_events()


@pytest.fixture
def shop():
    product("MUG", "10.00", stock=10)
    fund(CUSTOMER, "25.00")


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before}


def test_a_confirmed_checkout_moves_its_counters(shop, django_capture_on_commit_callbacks):
    before = snapshot()
    checkout(2, django_capture_on_commit_callbacks)
    assert moved(before, snapshot()) == {
        "started": 1,
        "confirmed": 1,
        "declined": 0,
        "terminal": 1,
        "placed": 1,
        "captures": 1,
        "saga_runs": 1,
        "delivered": 1,
        "published": 1,
    }


def test_a_declined_checkout_counts_as_cancelled_for_payment_declined(
    shop, django_capture_on_commit_callbacks
):
    before = snapshot()
    checkout(3, django_capture_on_commit_callbacks)  # 30.00 > 25.00 in the wallet
    assert moved(before, snapshot()) == {
        "started": 1,
        "confirmed": 0,
        "declined": 1,
        "terminal": 1,
        "placed": 1,
        "captures": 1,
        "saga_runs": 1,
        "delivered": 1,
        "published": 1,
    }
