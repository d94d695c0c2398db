"""What the in-process poll benchmarks (``cache_client.py``, ``order_poll.py``) share: a
customer's pending order to poll, and the CPU a call takes. Needs Django set up and the
database migrated."""

from __future__ import annotations

import time
from collections.abc import Callable

from rest_framework.test import APIClient

from tests.kernel.http.auth import access_token


def pending_order() -> tuple[APIClient, str]:
    """The customer's client and the path of its pending order (names unique per call, so a
    database kept between runs takes another)."""
    from django.contrib.auth import get_user_model

    from modules.catalog.models import Product
    from modules.inventory.models import StockItem
    from modules.orders.services import order_place

    customer = get_user_model().objects.create_user(
        f"poll-{time.time_ns()}@example.com", "bench-password-1"
    )
    product = Product.objects.create(sku=f"POLL-{customer.pk}", name="Poll", price="2.00")
    StockItem.objects.create(sku=product.sku, on_hand=10, received=10)
    order = order_place(customer_id=customer.pk, lines=[(product.sku, 1)])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user_id=customer.pk)}")
    return client, f"/api/v1/orders/{order.pk}/"


def cpu_per_call(call: Callable[[], object], n: int) -> float:
    """CPU µs per call of ``call``, over ``n`` calls (this process, every thread)."""
    started = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - started) / n * 1e6
