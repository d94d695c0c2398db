"""Test helpers for the shop's checkout: products, stock, funds, and running the saga.

Set-up goes through each module's public api or services (never another module's tables),
and ``run_events()`` delivers pending outbox rows in this thread, like a worker would.
"""

from __future__ import annotations

from decimal import Decimal

from app.kernel.events.testing import drain
from app.kernel.ownership import acting_as
from modules.catalog import services as catalog_services
from modules.inventory import api as inventory_api
from modules.inventory import services as inventory_services
from modules.payments import api as payments_api
from modules.payments import services as payments_services


def run_events() -> int:
    """Deliver every pending event (and the events its handlers publish)."""
    return drain()


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


def fund(customer_id: int, amount: str) -> None:
    with acting_as("payments"):
        payments_services.wallet_top_up(customer_id=customer_id, amount=Decimal(amount))


def balance(customer_id: int) -> Decimal:
    return payments_api.balance_get(customer_id=customer_id).balance


def stock(sku: str) -> inventory_api.StockLevel:
    return inventory_api.availability(skus=[sku])[sku]
