"""Reads of the catalog module."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from modules.catalog.models import Product


def product_list(*, include_inactive: bool) -> QuerySet[Product]:
    products = Product.objects.all()
    return products if include_inactive else products.filter(active=True)


def product_get(*, product_id: int, include_inactive: bool) -> Product | None:
    return product_list(include_inactive=include_inactive).filter(pk=product_id).first()


def products_by_sku(*, skus: Iterable[str]) -> list[Product]:
    return list(Product.objects.filter(sku__in=set(skus)))


def sku_list(*, active_only: bool) -> list[str]:
    products = Product.objects.filter(active=True) if active_only else Product.objects.all()
    return list(products.order_by("sku").values_list("sku", flat=True))
