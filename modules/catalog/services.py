"""Writes of the catalog module, one function per action, named ``<entity>_<action>``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError

from app.kernel.events import publish
from app.kernel.topology import atomic_on
from modules.catalog.events import ProductPriceChanged
from modules.catalog.models import Product
from modules.catalog.rules import CatalogError, check_price, check_sku


class ProductNotFound(LookupError):
    pass


def product_create(
    *, sku: str, name: str, price: Decimal, description: str = "", active: bool = True
) -> Product:
    """Create a product; a taken SKU raises :class:`CatalogError` (field ``sku``)."""
    check_sku(sku)
    price = check_price(price)
    if not name or len(name) > 200:
        raise CatalogError("name", "A name has 1-200 characters.")
    try:
        with atomic_on(Product):
            return Product.objects.create(
                sku=sku, name=name, description=description, price=price, active=active
            )
    except IntegrityError:
        if Product.objects.filter(sku=sku).exists():
            raise CatalogError("sku", f"A product with SKU {sku!r} already exists.") from None
        raise


def product_update(
    *,
    product_id: int,
    name: str | None = None,
    description: str | None = None,
    price: Decimal | None = None,
    active: bool | None = None,
) -> Product:
    """Change a product; a new price publishes ``ProductPriceChanged`` in the same transaction."""
    with atomic_on(Product):
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            raise ProductNotFound(product_id)
        old_price = product.price
        if name is not None:
            if not name or len(name) > 200:
                raise CatalogError("name", "A name has 1-200 characters.")
            product.name = name
        if description is not None:
            product.description = description
        if active is not None:
            product.active = active
        if price is not None:
            product.price = check_price(price)
        product.save()
        if product.price != old_price:
            publish(
                ProductPriceChanged(
                    product_id=product.pk,
                    sku=product.sku,
                    old_price=old_price,
                    new_price=product.price,
                    currency=settings.SEAMS_CURRENCY,
                )
            )
        return product
