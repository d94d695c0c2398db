"""Reads of the inventory module."""

from __future__ import annotations

from collections.abc import Iterable

from modules.inventory.models import StockItem


def stock_items(*, skus: Iterable[str]) -> dict[str, StockItem]:
    """Stock rows for the SKUs that have one (a SKU never stocked has none)."""
    return {item.sku: item for item in StockItem.objects.filter(sku__in=list(skus))}
