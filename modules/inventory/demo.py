"""Demo data for ``manage.py seed_demo``: every active catalog SKU gets stock (idempotent)."""

from collections.abc import Iterator

from modules.catalog import api as catalog_api
from modules.inventory import selectors, services

DEMO_STOCK = 100


def seed() -> Iterator[str]:
    skus = catalog_api.sku_list(active_only=True)
    stocked = selectors.stock_items(skus=skus)
    for sku in skus:
        item = stocked.get(sku)
        if item is None or item.received == 0:
            services.stock_adjust(sku=sku, delta=DEMO_STOCK)
    yield f"Demo stock: {len(skus)} SKUs with at least {DEMO_STOCK} units received"
