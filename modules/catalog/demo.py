"""Demo data for ``manage.py seed_demo``: a handful of products (idempotent)."""

from collections.abc import Iterator
from decimal import Decimal

from modules.catalog.models import Product

DEMO_PRODUCTS = (
    ("MUG-001", "Seams mug", "A mug with a seam down the side.", Decimal("12.50")),
    ("TEE-001", "Seams T-shirt", "Organic cotton, stitched along the seams.", Decimal("19.90")),
    ("CAP-001", "Seams cap", "Keeps the sun off while you refactor.", Decimal("15.00")),
    ("BOOK-001", "Strangler Fig Patterns", "Growing services out of a monolith.", Decimal("24.00")),
    ("STICKER-001", "Sticker pack", "Five stickers, one per seam.", Decimal("2.50")),
)


def seed() -> Iterator[str]:
    for sku, name, description, price in DEMO_PRODUCTS:
        Product.objects.get_or_create(
            sku=sku, defaults={"name": name, "description": description, "price": price}
        )
    yield "Demo products: " + ", ".join(sku for sku, *_ in DEMO_PRODUCTS)
