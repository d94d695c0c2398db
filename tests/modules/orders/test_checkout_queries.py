"""Statements per checkout, pinned: a change that adds round trips to the checkout fails here.

Counted on every database alias (the split test mode has one per module) and including the
SAVEPOINT / RELEASE pairs that stand for each transaction inside a test's own transaction
(BEGIN / COMMIT in production): each one is a round trip to the database either way. The
pins are the counts measured when they were set (docs/benchmarks.md, "Checkout"); lower
them when a change saves a statement. The split test mode adds its remote calls' own work
(the internal endpoint on the callee's database), hence a second column.
"""

import contextlib

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from modules.inventory import api as inventory_api
from modules.orders.models import Order
from modules.payments import api as payments_api
from tests.e2e.shop import fund, product, run_events
from tests.kernel.http.auth import client_for

pytestmark = pytest.mark.django_db

CUSTOMER = 51
SPLIT = settings.SEAMS_TOPOLOGY != "monolith"
# (monolith, split test mode): at most this many statements
PINS = {
    "POST /api/v1/orders/ with an Idempotency-Key": (9, 9),
    "delivery start, decide before reserving": (11, 47),
    "stock_reserve": (5, 5),
    "record reserved, decide capture": (5, 5),
    "payment_capture": (6, 6),
    "record captured, decide commit": (5, 5),
    "stock_commit": (6, 6),
    "the whole checkout: POST, saga, delivery bookkeeping, reactions": (79, 240),
}


def pin(name: str) -> int:
    return PINS[name][SPLIT]


class Counted:
    """Statements run on any database alias since it was entered (live)."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._captured: list[CaptureQueriesContext] = []

    def __enter__(self) -> "Counted":
        for alias in connections:
            self._captured.append(
                self._stack.enter_context(CaptureQueriesContext(connections[alias]))
            )
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def __len__(self) -> int:
        return sum(len(c) for c in self._captured)

    def sql(self) -> list[str]:
        return [q["sql"] for c in self._captured for q in c.captured_queries]


@pytest.fixture
def shop():
    product("MUG", "12.50", stock=10)
    fund(CUSTOMER, "100.00")
    return client_for(user_id=CUSTOMER)


def place(client) -> int:
    response = client.post(
        "/api/v1/orders/",
        {"items": [{"sku": "MUG", "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="queries-1",
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_placing_an_order_stays_within_its_statements(shop):
    with Counted() as counted:
        place(shop)
    name = "POST /api/v1/orders/ with an Idempotency-Key"
    assert len(counted) <= pin(name), "\n".join(counted.sql())


def test_each_saga_step_stays_within_its_statements(shop, monkeypatch):
    order_id = place(shop)
    marks: list[tuple[str, int]] = []
    counted = Counted()

    def marking(module, name: str):
        real = getattr(module, name)

        def call(**kwargs):
            marks.append((f"before {name}", len(counted)))
            try:
                return real(**kwargs)
            finally:
                marks.append((name, len(counted)))

        monkeypatch.setattr(module, name, call)

    marking(inventory_api, "stock_reserve")
    marking(payments_api, "payment_capture")
    marking(inventory_api, "stock_commit")
    with counted:
        run_events()
        marks.append(("end", len(counted)))
    assert Order.objects.get(pk=order_id).status == "confirmed"
    at = dict(marks)
    spent = {
        "delivery start, decide before reserving": at["before stock_reserve"],
        "stock_reserve": at["stock_reserve"] - at["before stock_reserve"],
        "record reserved, decide capture": at["before payment_capture"] - at["stock_reserve"],
        "payment_capture": at["payment_capture"] - at["before payment_capture"],
        "record captured, decide commit": at["before stock_commit"] - at["payment_capture"],
        "stock_commit": at["stock_commit"] - at["before stock_commit"],
    }
    over = {name: n for name, n in spent.items() if n > pin(name)}
    assert not over, f"{over}\n" + "\n".join(counted.sql())


def test_the_whole_checkout_stays_within_its_statements(shop):
    with Counted() as counted:
        order_id = place(shop)
        run_events()
    assert Order.objects.get(pk=order_id).status == "confirmed"
    name = "the whole checkout: POST, saga, delivery bookkeeping, reactions"
    assert len(counted) <= pin(name), "\n".join(counted.sql())
