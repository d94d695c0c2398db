"""Payments services and api: wallet ledger, idempotent capture and refund."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from app.kernel.remote import ApiContractError
from modules.payments import api, services
from modules.payments.models import LedgerEntry, Payment, Wallet
from tests.e2e.money import balance, fund

pytestmark = pytest.mark.django_db


def _ledger_sum(customer_id: int, kind: str) -> Decimal:
    total = LedgerEntry.objects.filter(customer_id=customer_id, kind=kind).aggregate(
        s=Sum("amount")
    )
    return total["s"] or Decimal("0")


def test_balance_is_zero_without_a_wallet():
    result = api.balance_get(customer_id=7)
    assert result == api.Balance(customer_id=7, balance=Decimal("0.00"), currency="EUR")
    assert not Wallet.objects.exists()


def test_top_up_adds_to_balance_and_ledger():
    fund(7, "25.50")
    fund(7, "4.50")
    assert balance(7) == Decimal("30.00")
    assert _ledger_sum(7, "topup") == Decimal("30.00")


@pytest.mark.parametrize(
    "amount", ["0", "-1.00", "0.001", "1000.01", "1e9", "1e30", "NaN", "-Infinity"]
)
def test_top_up_rejects_bad_amounts(amount):
    with pytest.raises(services.PaymentError):
        services.wallet_top_up(customer_id=7, amount=Decimal(amount))
    assert balance(7) == Decimal("0.00")


def test_capture_charges_once_per_order():
    fund(7, "50.00")
    first = api.payment_capture(order_id=1, customer_id=7, amount=Decimal("20.00"))
    again = api.payment_capture(order_id=1, customer_id=7, amount=Decimal("20.00"))
    assert first.captured and first.status == "captured"
    assert again == first
    assert balance(7) == Decimal("30.00")
    assert LedgerEntry.objects.filter(order_id=1, kind="capture").count() == 1


def test_capture_declines_when_short_and_stays_declined():
    fund(7, "5.00")
    declined = api.payment_capture(order_id=2, customer_id=7, amount=Decimal("20.00"))
    assert not declined.captured and declined.status == "declined"
    assert declined.reason == "insufficient_funds"
    fund(7, "100.00")
    again = api.payment_capture(order_id=2, customer_id=7, amount=Decimal("20.00"))
    assert again.status == "declined"
    assert balance(7) == Decimal("105.00")


def test_capture_for_another_customer_of_the_same_order_is_refused():
    fund(7, "50.00")
    api.payment_capture(order_id=3, customer_id=7, amount=Decimal("20.00"))
    with pytest.raises(api.PaymentRefusedError, match="another customer"):
        api.payment_capture(order_id=3, customer_id=8, amount=Decimal("20.00"))


@pytest.mark.parametrize("amount", ["0", "-5", "1e40"])
def test_capture_of_non_positive_or_absurd_amount_is_refused(amount):
    with pytest.raises(api.PaymentRefusedError):
        api.payment_capture(order_id=4, customer_id=7, amount=Decimal(amount))


def test_a_capture_of_nan_cannot_cross_the_api():
    with pytest.raises(ApiContractError, match="finite"):
        api.payment_capture(order_id=4, customer_id=7, amount=Decimal("NaN"))
    assert not Payment.objects.exists()


def test_refund_returns_the_capture_once():
    fund(7, "50.00")
    api.payment_capture(order_id=5, customer_id=7, amount=Decimal("20.00"))
    first = api.payment_refund(order_id=5)
    again = api.payment_refund(order_id=5)
    assert first.refunded and again.refunded
    assert balance(7) == Decimal("50.00")
    assert LedgerEntry.objects.filter(order_id=5, kind="refund").count() == 1


def test_refund_of_a_declined_payment_moves_nothing():
    api.payment_capture(order_id=6, customer_id=7, amount=Decimal("20.00"))
    result = api.payment_refund(order_id=6)
    assert not result.refunded and result.status == "declined"
    assert not LedgerEntry.objects.filter(order_id=6).exists()


def test_refund_before_capture_voids_the_order():
    fund(7, "50.00")
    voided = api.payment_refund(order_id=9)
    assert voided.status == "voided" and not voided.refunded
    late = api.payment_capture(order_id=9, customer_id=7, amount=Decimal("20.00"))
    assert late.status == "voided" and not late.captured
    assert balance(7) == Decimal("50.00")


def test_balance_always_equals_the_ledger():
    fund(7, "100.00")
    for order_id, amount in ((10, "30.00"), (11, "50.00"), (12, "40.00")):
        api.payment_capture(order_id=order_id, customer_id=7, amount=Decimal(amount))
    api.payment_refund(order_id=10)
    expected = _ledger_sum(7, "topup") - _ledger_sum(7, "capture") + _ledger_sum(7, "refund")
    assert balance(7) == expected == Decimal("50.00")
    assert Payment.objects.get(order_id=12).status == "declined"


def test_money_events_are_published(monkeypatch):
    published = []
    monkeypatch.setattr(services, "publish", published.append)
    fund(7, "50.00")
    services.payment_capture(order_id=20, customer_id=7, amount=Decimal("10.00"))
    services.payment_capture(order_id=21, customer_id=7, amount=Decimal("99.00"))
    services.payment_refund(order_id=20)
    assert [type(e).__name__ for e in published] == [
        "PaymentCaptured",
        "PaymentDeclined",
        "PaymentRefunded",
    ]
    assert published[0].amount == Decimal("10.00") and published[0].currency == "EUR"
