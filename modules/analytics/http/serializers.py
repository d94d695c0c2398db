"""Response shape of the analytics HTTP API."""

from django.conf import settings
from rest_framework import serializers


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2)


class SkuSalesSerializer(serializers.Serializer):
    sku = serializers.CharField()
    units = serializers.IntegerField()
    revenue = _money()


class SalesReportSerializer(serializers.Serializer):
    confirmed_orders = serializers.IntegerField(help_text="Confirmed and not later cancelled.")
    cancelled_orders = serializers.IntegerField(
        help_text="Confirmed, then cancelled and refunded (excluded from the figures)."
    )
    revenue = _money()
    units = serializers.IntegerField()
    currency = serializers.SerializerMethodField()
    per_sku = SkuSalesSerializer(many=True)

    def get_currency(self, report) -> str:
        return settings.SEAMS_CURRENCY
