"""On PostgreSQL an order's table notifies ``seams_order_decided`` with the order's id as its
status leaves ``pending``, at the deciding commit, from whichever path decided it; a held
read of the order waits for that (ADR 0027)."""

from __future__ import annotations

import pytest

from app.kernel.topology import database_of
from app.kernel.wakeups import connect_listening
from modules.orders.selectors import DECIDED_CHANNEL
from tests.e2e.shop import fund, product, run_events
from tests.kernel.http.auth import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CUSTOMER = 78


@pytest.fixture
def decided():
    """The ids notified on the channel since the last call (waiting up to a second)."""
    with connect_listening(database_of("orders"), DECIDED_CHANNEL) as conn:

        def notified() -> list[str]:
            return [n.payload for n in conn.notifies(timeout=1.0)]

        yield notified


@pytest.fixture
def customer(settings):
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "manual"  # the saga runs when the test says
    product("MUG", "2.00", stock=10)
    fund(CUSTOMER, "50.00")
    return client_for(user_id=CUSTOMER)


def place(customer) -> int:
    answer = customer.post(
        "/api/v1/orders/", {"items": [{"sku": "MUG", "quantity": 1}]}, format="json"
    )
    assert answer.status_code == 202
    return answer.json()["id"]


def test_the_saga_confirming_an_order_notifies_its_id_once(customer, decided):
    order_id = place(customer)
    assert decided() == []  # placed: pending
    run_events()
    assert customer.get(f"/api/v1/orders/{order_id}/").json()["status"] == "confirmed"
    assert decided() == [str(order_id)]


def test_a_cancel_notifies_only_when_it_decides_a_pending_order(customer, decided):
    confirmed = place(customer)
    run_events()
    decided()
    assert cancel(customer, confirmed) == "cancelled"
    assert decided() == []  # it was no longer pending
    pending = place(customer)
    assert cancel(customer, pending) == "cancelled"
    assert decided() == [str(pending)]


def cancel(customer, order_id: int) -> str:
    answer = customer.post(f"/api/v1/orders/{order_id}/cancel/")
    assert answer.status_code == 200
    return answer.json()["status"]
