"""A customer of the shop that speaks only HTTP to a base URL (the edge)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx


class Customer:
    """A customer of the shop, speaking only HTTP to the edge."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)
        email, password = f"drill-{uuid.uuid4().hex[:10]}@example.com", "drill-password-long-1"
        credentials = {"email": email, "password": password}
        registered = self.client.post("/api/v1/accounts/register/", json=credentials)
        assert registered.status_code == 201, registered.text
        self.id = registered.json()["id"]
        token = self.client.post("/api/v1/accounts/token/", json=credentials).json()["access"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    def top_up(self, amount: str) -> None:
        response = self.client.post("/api/v1/payments/wallet/top-up/", json={"amount": amount})
        assert response.status_code == 200, response.text

    def balance(self) -> Decimal:
        return Decimal(self.client.get("/api/v1/payments/wallet/").json()["balance"])

    def order(self) -> int:
        response = self.client.post(
            "/api/v1/orders/",
            json={"items": [{"sku": "CHAOS-A", "quantity": 1}]},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "pending"
        return response.json()["id"]

    def order_status(self, order_id: int) -> tuple[str, str | None]:
        body = self.client.get(f"/api/v1/orders/{order_id}/").json()
        return body["status"], body.get("cancellation_reason")

    def notified_orders(self) -> list[int]:
        body = self.client.get("/api/v1/notifications/", params={"page_size": 100}).json()
        return sorted(n["order_id"] for n in body["results"])
