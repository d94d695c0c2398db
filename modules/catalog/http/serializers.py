"""Request and response shapes of the catalog's HTTP API."""

from django.conf import settings
from rest_framework import serializers

from app.kernel.http.parsing import (
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictRegexField,
    StrictSerializer,
)
from modules.catalog.models import Product
from modules.catalog.rules import MAX_PRICE, MIN_PRICE, SKU_HELP, SKU_PATTERN


def _price_field(**kwargs) -> MoneyField:
    return MoneyField(
        min_value=MIN_PRICE,
        max_value=MAX_PRICE,
        help_text='Decimal string with two places, e.g. "12.50".',
        **kwargs,
    )


class ProductSerializer(serializers.ModelSerializer):
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ("id", "sku", "name", "description", "price", "currency", "active")
        read_only_fields = fields

    def get_currency(self, product: Product) -> str:
        return settings.SEAMS_CURRENCY


class ProductCreateSerializer(StrictSerializer):
    """A new product (staff): a SKU no product has, a name and a positive price."""

    sku = StrictRegexField(SKU_PATTERN, max_length=64, help_text=SKU_HELP)
    name = StrictCharField(max_length=200)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    price = _price_field()
    active = StrictBooleanField(required=False, default=True)


class ProductUpdateSerializer(StrictSerializer):
    """PATCH: any subset of these; the SKU never changes."""

    name = StrictCharField(max_length=200, required=False)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    price = _price_field(required=False)
    active = StrictBooleanField(required=False)
