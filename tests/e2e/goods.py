"""Test helpers for what the shop sells: products (catalog) and their stock (inventory).

Apart from :mod:`tests.e2e.money` so that a module-sliced run of inventory (catalog and
inventory installed, payments not) can import them (ADR 0017).
"""

from __future__ import annotations

from decimal import Decimal

from app.kernel.ownership import acting_as
from modules.catalog import services as catalog_services
from modules.inventory import api as inventory_api
from modules.inventory import services as inventory_services


def product(sku: str, price: str = "10.00", *, active: bool = True, stock: int = 0) -> str:
    with acting_as("catalog"):
        catalog_services.product_create(
            sku=sku, name=f"Product {sku}", price=Decimal(price), active=active
        )
    if stock:
        restock(sku, stock)
    return sku


def restock(sku: str, quantity: int) -> None:
    with acting_as("inventory"):
        inventory_services.stock_adjust(sku=sku, delta=quantity)


def stock(sku: str) -> inventory_api.StockLevel:
    return inventory_api.availability(skus=[sku])[sku]
