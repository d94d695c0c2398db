"""Request and response shapes of the orders HTTP API."""

from __future__ import annotations

from rest_framework import serializers

from app.kernel.http.parsing import StrictSerializer
from modules.orders.services import MAX_LINES, MAX_QUANTITY


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, booleans or floats."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class SkuField(serializers.CharField):
    """A JSON string of 1-64 printable characters (a number is not turned into one)."""

    default_error_messages = {"unprintable": "A SKU has printable characters only."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if not data.isprintable():
            self.fail("unprintable")
        return super().to_internal_value(data)


class OrderItemIn(StrictSerializer):
    """One order line: a SKU and how many units of it."""

    sku = SkuField(max_length=64, help_text="A catalog SKU for sale.")
    quantity = StrictIntegerField(
        min_value=1, max_value=MAX_QUANTITY, help_text=f"1 to {MAX_QUANTITY} units."
    )


class OrderIn(StrictSerializer):
    """An order to place: its lines (stock is reserved and the wallet charged)."""

    items = OrderItemIn(
        many=True,
        allow_empty=False,
        max_length=MAX_LINES,
        help_text=f"1 to {MAX_LINES} lines; lines with the same SKU are merged.",
    )


class OrderItemOut(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)


class OrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=("pending", "confirmed", "cancelled"))
    items = OrderItemOut(many=True, source="lines.all")
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    cancellation_reason = serializers.ChoiceField(
        choices=("out_of_stock", "payment_declined", "cancelled_by_customer", "timed_out"),
        allow_null=True,
        help_text="Set when the order is cancelled, else null.",
    )
