"""PUBLIC: the catalog module's typed functions and the DTOs they take and return.

Used by inventory (does this SKU exist?) and orders (price the lines of an order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from app.kernel.ownership import module_api
from modules.catalog import selectors
from modules.catalog.models import Product


@dataclass(frozen=True)
class PricedSku:
    """A product's current price. ``active`` false: known but not for sale."""

    sku: str
    product_id: int
    name: str
    price: Decimal
    currency: str
    active: bool


def _priced_sku(product: Product) -> PricedSku:
    """The one ORM-to-DTO conversion of this module's api."""
    return PricedSku(
        sku=product.sku,
        product_id=product.pk,
        name=product.name,
        price=product.price,
        currency=settings.SEAMS_CURRENCY,
        active=product.active,
    )


@module_api(idempotent=True)
def price_skus(*, skus: Sequence[str]) -> dict[str, PricedSku]:
    """Current prices of ``skus``, keyed by SKU; unknown SKUs are absent (inactive present)."""
    return {p.sku: _priced_sku(p) for p in selectors.products_by_sku(skus=skus)}


@module_api(idempotent=True)
def sku_list(*, active_only: bool = True) -> list[str]:
    """Every SKU in the catalog (only those for sale when ``active_only``), sorted."""
    return selectors.sku_list(active_only=active_only)
