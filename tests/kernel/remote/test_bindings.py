"""The same module api tests, with the binding local, remote in process (WSGI transport)
and remote over HTTP to a live service process: DTOs, typed errors and idempotency survive
the wire, and callers do not change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from modules.catalog import api as catalog_api
from modules.inventory import api as inventory_api
from modules.payments import api as payments_api
from tests.e2e.shop import product

pytestmark = pytest.mark.django_db(databases="__all__")  # one per module in split test mode


def test_balance_without_a_wallet_is_zero(payments_bound, new_id):
    customer = new_id()
    assert payments_api.balance_get(customer_id=customer) == payments_api.Balance(
        customer_id=customer, balance=Decimal("0.00"), currency="EUR"
    )


def test_a_declined_capture_comes_back_as_the_dto(payments_bound, new_id):
    customer, order = new_id(), new_id()
    payments_bound.fund(customer, "5.00")
    declined = payments_api.payment_capture(
        order_id=order, customer_id=customer, amount=Decimal("20.00")
    )
    assert isinstance(declined, payments_api.CaptureResult)
    assert declined == payments_api.CaptureResult(
        order_id=order,
        captured=False,
        status="declined",
        amount=Decimal("20.00"),
        currency="EUR",
        reason="insufficient_funds",
    )


def test_capture_charges_once_per_order_and_refunds_once(payments_bound, new_id):
    customer, order = new_id(), new_id()
    payments_bound.fund(customer, "50.00")
    first = payments_api.payment_capture(
        order_id=order, customer_id=customer, amount=Decimal("20.00")
    )
    again = payments_api.payment_capture(
        order_id=order, customer_id=customer, amount=Decimal("20.00")
    )
    assert first.captured and again == first
    assert payments_api.balance_get(customer_id=customer).balance == Decimal("30.00")
    refund = payments_api.payment_refund(order_id=order)
    assert refund.refunded and payments_api.payment_refund(order_id=order) == refund
    assert payments_api.balance_get(customer_id=customer).balance == Decimal("50.00")


def test_a_refused_capture_raises_the_typed_error(payments_bound, new_id):
    customer, order = new_id(), new_id()
    payments_bound.fund(customer, "50.00")
    payments_api.payment_capture(order_id=order, customer_id=customer, amount=Decimal("1.00"))
    with pytest.raises(payments_api.PaymentRefusedError, match="another customer"):
        payments_api.payment_capture(order_id=order, customer_id=new_id(), amount=Decimal("1.00"))


def test_a_refund_before_capture_is_voided(payments_bound, new_id):
    voided = payments_api.payment_refund(order_id=new_id())
    assert (voided.status, voided.refunded, voided.amount) == ("voided", False, Decimal("0.00"))


def test_catalog_prices_cross_as_dtos(modules_bound):
    product("A", "12.50")
    product("B", "3.00", active=False)
    priced = catalog_api.price_skus(skus=["A", "B", "NOPE"])
    assert set(priced) == {"A", "B"}
    assert priced["A"] == catalog_api.PricedSku(
        sku="A",
        product_id=priced["A"].product_id,
        name="Product A",
        price=Decimal("12.50"),
        currency="EUR",
        active=True,
    )
    assert catalog_api.sku_list(active_only=True) == ["A"]
    assert catalog_api.sku_list(active_only=False) == ["A", "B"]


def test_a_reservation_crosses_and_a_wrong_move_raises_the_typed_error(modules_bound):
    product("A", stock=5)
    lines = (inventory_api.ReservationLine(sku="A", quantity=2),)
    result = inventory_api.stock_reserve(order_id=1, lines=lines)
    assert result == inventory_api.ReservationResult(
        order_id=1, status="reserved", reserved=True, lines=lines, unavailable_skus=()
    )
    assert isinstance(result.lines, tuple)  # the declared type, not JSON's list
    assert inventory_api.availability(skus=["A"])["A"].available == 3
    inventory_api.stock_release(order_id=1)
    with pytest.raises(inventory_api.StockUnavailableError, match="released"):
        inventory_api.stock_commit(order_id=1)
    assert inventory_api.availability(skus=["A"])["A"].available == 5
