"""PUBLIC: the events the catalog module publishes."""

from decimal import Decimal
from typing import ClassVar

from app.kernel.events import Event


class ProductPriceChanged(Event):
    name: ClassVar[str] = "catalog.ProductPriceChanged"
    key_field: ClassVar[str] = "sku"

    product_id: int
    sku: str
    old_price: Decimal
    new_price: Decimal
    currency: str
