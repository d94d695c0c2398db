"""Request and response shapes of the payments HTTP API."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from app.kernel.http.parsing import MoneyField, StrictSerializer
from modules.payments.services import CENT, max_top_up


class TopUpIn(StrictSerializer):
    """Demo funds to add to the caller's wallet."""

    amount = MoneyField(
        min_value=CENT,
        max_value=max_top_up,
        help_text='Demo funds to add, e.g. "25.00" (at most SEAMS_MAX_TOP_UP).',
    )


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
