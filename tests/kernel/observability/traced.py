"""A checkout placed in a trace the caller started (a W3C ``traceparent`` on the request)."""

from __future__ import annotations

from tests.kernel.http.auth import client_for

CALLER_SPAN = "00f067aa0ba902b7"


def checkout(customer_id: int, trace_id: str, *, sku: str = "MUG", quantity: int = 2) -> int:
    """``POST /api/v1/orders/`` as the customer, in the trace ``trace_id`` (32 hex digits)
    under the caller's span; returns the order's id (accepted: 202)."""
    response = client_for(user_id=customer_id).post(
        "/api/v1/orders/",
        {"items": [{"sku": sku, "quantity": quantity}]},
        format="json",
        HTTP_TRACEPARENT=f"00-{trace_id}-{CALLER_SPAN}-01",
    )
    assert response.status_code == 202, response.content[:500]
    return response.json()["id"]
