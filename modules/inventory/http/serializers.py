"""Request and response shapes of the inventory HTTP API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from app.kernel.http.parsing import StrictSerializer
from modules.inventory.services import MAX_ADJUST


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, no booleans, no floats."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "integer", "minimum": -MAX_ADJUST, "maximum": MAX_ADJUST, "not": {"enum": [0]}}
)
class _DeltaField(StrictIntegerField):
    """A non-zero JSON integer within ±MAX_ADJUST (the schema says "not 0" too)."""


class AdjustIn(StrictSerializer):
    """A stock correction (staff): units received or written off."""

    delta = _DeltaField(
        min_value=-MAX_ADJUST,
        max_value=MAX_ADJUST,
        help_text="Units to add (restock, > 0) or remove (write-off, < 0); never 0.",
    )

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("delta must not be 0.")
        return value


class StockOut(serializers.Serializer):
    sku = serializers.CharField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()
