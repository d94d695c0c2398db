"""Analytics: sales facts from order events, idempotent under redelivery, staff-only report."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kernel.events import publish
from app.kernel.events.testing import drain
from app.kernel.ownership import acting_as
from modules.analytics import handlers
from modules.analytics.manifest import MANIFEST
from modules.analytics.models import OrderFact
from modules.analytics.selectors import sales_report
from modules.orders.events import OrderCancelled, OrderConfirmed, OrderLine
from tests.kernel.http.auth import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/sales/"


def line(sku, quantity, price):
    return OrderLine(sku=sku, quantity=quantity, unit_price=Decimal(price))


def confirmed(order_id, *lines):
    total = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0.00"))
    return OrderConfirmed(
        order_id=order_id, customer_id=1, lines=lines, total=total, currency="EUR"
    )


def cancelled(event: OrderConfirmed, was_confirmed=True, reason="cancelled_by_customer"):
    return OrderCancelled(
        order_id=event.order_id,
        customer_id=event.customer_id,
        reason=reason,
        was_confirmed=was_confirmed,
        lines=event.lines,
        total=event.total,
        currency=event.currency,
    )


def handle(handler, event):
    with acting_as("analytics"):
        handler(event)


def test_confirmed_orders_are_counted_once_even_when_redelivered():
    first = confirmed(1, line("MUG", 2, "12.50"), line("TEE", 1, "19.90"))
    second = confirmed(2, line("MUG", 1, "12.50"))
    for event in (first, first, second, second):
        handle(handlers.record_sale, event)
    report = sales_report()
    assert report.confirmed_orders == 2
    assert report.revenue == Decimal("57.40")
    assert report.units == 4
    assert [(r.sku, r.units, r.revenue) for r in report.per_sku] == [
        ("MUG", 3, Decimal("37.50")),
        ("TEE", 1, Decimal("19.90")),
    ]


def test_cancelling_a_confirmed_order_subtracts_it_once():
    kept = confirmed(1, line("MUG", 1, "12.50"))
    refunded = confirmed(2, line("MUG", 4, "12.50"))
    for event in (kept, refunded):
        handle(handlers.record_sale, event)
    handle(handlers.reverse_sale, cancelled(refunded))
    handle(handlers.reverse_sale, cancelled(refunded))  # redelivery
    report = sales_report()
    assert (report.confirmed_orders, report.cancelled_orders) == (1, 1)
    assert report.revenue == Decimal("12.50")
    assert [(r.sku, r.units) for r in report.per_sku] == [("MUG", 1)]


def test_cancellation_of_a_never_confirmed_order_is_ignored():
    handle(
        handlers.reverse_sale,
        cancelled(confirmed(3, line("MUG", 1, "1.00")), False, "out_of_stock"),
    )
    assert not OrderFact.objects.exists()


def test_cancellation_arriving_before_confirmation_still_nets_to_zero():
    event = confirmed(4, line("MUG", 1, "5.00"))
    handle(handlers.reverse_sale, cancelled(event))
    handle(handlers.record_sale, event)
    report = sales_report()
    assert (report.confirmed_orders, report.revenue, report.per_sku) == (0, Decimal("0.00"), ())


def test_events_reach_the_handlers_through_the_bus():
    event = confirmed(5, line("CAP", 2, "15.00"))
    publish(event)
    drain()
    assert sales_report().revenue == Decimal("30.00")


def test_manifest_declares_what_it_consumes():
    assert set(MANIFEST.consumes) == {"orders.OrderConfirmed", "orders.OrderCancelled"}


orders = st.lists(
    st.tuples(
        st.lists(
            st.tuples(
                st.sampled_from(["A", "B", "C"]),
                st.integers(min_value=1, max_value=50),
                st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2),
            ),
            min_size=1,
            max_size=3,
            unique_by=lambda t: t[0],
        ),
        st.booleans(),  # later cancelled?
    ),
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(orders)
def test_report_equals_the_sum_of_kept_orders(history):
    OrderFact.objects.all().delete()
    expected_revenue, expected_units = Decimal("0.00"), 0
    for order_id, (lines, cancel) in enumerate(history, start=1):
        event = confirmed(order_id, *(line(s, q, str(p)) for s, q, p in lines))
        handle(handlers.record_sale, event)
        handle(handlers.record_sale, event)
        if cancel:
            handle(handlers.reverse_sale, cancelled(event))
        else:
            expected_revenue += event.total
            expected_units += sum(q for _, q, _ in lines)
    report = sales_report()
    assert report.revenue == expected_revenue
    assert report.units == expected_units
    assert sum((r.revenue for r in report.per_sku), Decimal("0.00")) == expected_revenue


def test_sales_endpoint_shape_for_staff(staff):
    handle(handlers.record_sale, confirmed(1, line("MUG", 2, "12.50")))
    response = staff.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "confirmed_orders": 1,
        "cancelled_orders": 0,
        "revenue": "25.00",
        "units": 2,
        "currency": "EUR",
        "per_sku": [{"sku": "MUG", "units": 2, "revenue": "25.00"}],
    }


def test_empty_report(staff):
    body = staff.get(URL).json()
    assert (body["confirmed_orders"], body["revenue"], body["per_sku"]) == (0, "0.00", [])


def test_sales_is_staff_only(anon, customer):
    assert_problem(anon.get(URL), 401)
    assert_problem(customer.get(URL), 403)


def test_sales_is_read_only(staff):
    assert_problem(staff.post(URL, {}, format="json"), 405)
