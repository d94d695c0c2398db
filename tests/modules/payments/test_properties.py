"""Property-based tests (hypothesis): wallet arithmetic (client amounts: tests/kernel/http)."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.payments import api, services

_ids = itertools.count(1)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000.00"), places=2)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(
    top_ups=st.lists(amounts, min_size=1, max_size=5),
    charges=st.lists(amounts, max_size=6),
    refund_every=st.integers(min_value=1, max_value=3),
)
def test_wallet_balance_always_equals_top_ups_minus_captures_plus_refunds(
    top_ups, charges, refund_every
):
    # examples share the test's transaction: a fresh customer and fresh order ids each time
    customer = next(_ids)
    start = api.balance_get(customer_id=customer).balance
    assert start == 0
    for amount in top_ups:
        services.wallet_top_up(customer_id=customer, amount=amount)
    captured = refunded = Decimal("0")
    base = customer * 100
    for n, amount in enumerate(charges):
        result = api.payment_capture(order_id=base + n, customer_id=customer, amount=amount)
        if result.captured:
            captured += amount
            if n % refund_every == 0:
                api.payment_refund(order_id=base + n)
                refunded += amount
    balance = api.balance_get(customer_id=customer).balance
    assert balance == start + sum(top_ups, Decimal("0")) - captured + refunded
    assert balance >= 0
