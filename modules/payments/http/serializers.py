"""Request and response shapes of the payments HTTP API."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from app.kernel.http.parsing import StrictSerializer
from modules.payments.services import CENT, max_top_up


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d{1,2})?$", "example": "25.00"}
)
class MoneyField(serializers.Field):
    """A positive amount with at most two places, as a JSON string ("12.50") or number."""

    min_value = CENT  # the bounds app.kernel.http.schema.AutoSchema writes into the pattern
    max_value = staticmethod(max_top_up)
    default_error_messages = {
        "invalid": 'Enter an amount of money such as "12.50".',
        "places": "Use at most two decimal places.",
        "positive": "The amount must be positive.",
        "max": "The amount must not exceed {max}.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        if isinstance(data, str) and (not data.strip() or len(data) > 32):
            self.fail("invalid")
        try:
            amount = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid")
        if not amount.is_finite():
            self.fail("invalid")
        if amount <= 0:
            self.fail("positive")
        if amount > max_top_up():
            self.fail("max", max=max_top_up())
        if amount != amount.quantize(CENT):
            self.fail("places")
        return amount.quantize(CENT)

    def to_representation(self, value):
        return f"{value:.2f}"


class TopUpIn(StrictSerializer):
    amount = MoneyField(help_text='Demo funds to add, e.g. "25.00" (at most SEAMS_MAX_TOP_UP).')


class WalletOut(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()


class LedgerEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=("topup", "capture", "refund"))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.SerializerMethodField()
    order_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_currency(self, entry) -> str:
        return settings.SEAMS_CURRENCY
