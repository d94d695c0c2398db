"""The money parser (hypothesis): exactly the documented decimal string, nothing Decimal() reads.

``MONEY_PATTERN`` is what docs/openapi.yaml promises; the field must accept a value if and only
if it matches that pattern (read with ASCII digits, as JSON Schema's ECMA regexes do) and lies in
its bounds.
"""

import json
import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from app.kernel.http.parsing import MONEY_PATTERN, MoneyField

LOW, HIGH = Decimal("0.01"), Decimal("1000.00")
field = MoneyField(min_value=LOW, max_value=lambda: HIGH)
# The schema's pattern as a JSON Schema validator reads it: [0-9] is ASCII, $ is the very end.
schema_pattern = re.compile(MONEY_PATTERN.replace("$", r"\Z"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
# Strings near the pattern: digits of any script, points, signs, exponents and spaces.
money_like = st.text(
    alphabet=st.sampled_from("0123456789.eE+-_ \n\t")
    | st.characters(categories=["Nd"])
    | st.characters(categories=["Zs"]),
    max_size=14,
)


def parsed(value):
    try:
        return field.to_internal_value(value)
    except ValidationError:
        return None


@given(json_values | money_like)
def test_accepted_exactly_when_the_schema_pattern_matches_and_within_bounds(value):
    amount = parsed(value)
    matches = isinstance(value, str) and schema_pattern.match(value) is not None
    if not matches:
        assert amount is None, f"{value!r} is outside the pattern but was read as {amount}"
        return
    in_bounds = LOW <= Decimal(value) <= HIGH
    assert (amount is not None) == in_bounds
    if amount is not None:
        assert amount == Decimal(value) and amount == amount.quantize(Decimal("0.01"))


@given(st.decimals(min_value=LOW, max_value=HIGH, places=2))
def test_every_amount_in_bounds_written_with_two_places_reads_back_as_itself(amount):
    text = f"{amount:.2f}"
    assert parsed(json.loads(json.dumps(text))) == amount
    assert field.to_representation(parsed(text)) == text


@given(
    st.sampled_from(["1e2", "1E+6", " 5 ", "5.", ".5", "+5", "-5", "5 ", "5\n", "1_000"])
    | st.text(st.characters(categories=["Nd"], exclude_characters="0123456789"), min_size=1)
)
def test_what_decimal_reads_but_the_pattern_rules_out_is_refused(text):
    assert parsed(text) is None
