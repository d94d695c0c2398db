"""Property-based tests (hypothesis): money arithmetic and order validation."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.orders import services
from modules.orders.http.serializers import OrderIn

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
quantities = st.integers(min_value=1, max_value=services.MAX_QUANTITY)
skus = st.text(alphabet="ABCDEFGHIJ0123456789-", min_size=1, max_size=8)


@given(st.lists(st.tuples(prices, quantities), min_size=1, max_size=services.MAX_LINES))
def test_an_order_total_is_exact_in_cents_and_the_sum_of_its_lines(lines):
    totals = [services.line_total(unit_price=p, quantity=q) for p, q in lines]
    total = services.order_total(totals)
    assert total == sum((p * q for p, q in lines), Decimal("0"))  # no rounding ever happens
    assert total.as_tuple().exponent == -2
    assert all(t == t.quantize(services.CENT) and t > 0 for t in totals)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**6), max_value=10**6
    )
)
def test_money_quantises_to_two_places_within_half_a_cent(value):
    rounded = services.money(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= Decimal("0.005")


@given(st.lists(st.tuples(skus, st.integers(min_value=-5, max_value=2000)), max_size=60))
def test_order_validation_accepts_exactly_the_valid_orders(lines):
    merged: dict[str, int] = {}
    for sku, quantity in lines:
        merged[sku] = merged.get(sku, 0) + quantity
    valid = (
        bool(lines)
        and all(1 <= q <= services.MAX_QUANTITY for _, q in lines)
        and len(merged) <= services.MAX_LINES
        and all(q <= services.MAX_QUANTITY for q in merged.values())
    )
    if valid:
        assert services.order_lines_normalise(lines) == merged
    else:
        with pytest.raises(services.OrderInvalidError):
            services.order_lines_normalise(lines)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@given(json_values)
def test_the_order_body_parser_never_crashes_and_accepts_only_well_typed_items(body):
    serializer = OrderIn(data=body)
    if serializer.is_valid():
        for item in serializer.validated_data["items"]:
            assert isinstance(item["sku"], str) and 1 <= len(item["sku"]) <= 64
            assert type(item["quantity"]) is int
            assert 1 <= item["quantity"] <= services.MAX_QUANTITY


@given(
    st.lists(
        st.fixed_dictionaries({"sku": skus, "quantity": st.integers(min_value=-3, max_value=1003)}),
        max_size=55,
    )
)
def test_the_order_body_parser_bounds_quantities_and_lines(items):
    valid = 1 <= len(items) <= services.MAX_LINES and all(
        1 <= i["quantity"] <= services.MAX_QUANTITY for i in items
    )
    assert OrderIn(data={"items": items}).is_valid() == valid
