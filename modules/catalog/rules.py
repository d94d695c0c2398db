"""The catalog's validation rules, shared by services, serializers and the admin."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SKU_HELP = "1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit."
MIN_PRICE = Decimal("0.01")
MAX_PRICE = Decimal("1000000.00")


class CatalogError(ValueError):
    """A catalog rule was broken; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_sku(sku: str) -> str:
    if not isinstance(sku, str) or not SKU_PATTERN.match(sku):
        raise CatalogError("sku", f"Invalid SKU: {SKU_HELP}")
    return sku


def check_price(price: Decimal | str | int) -> Decimal:
    """A price: positive, at most two decimal places, at most 1,000,000.00."""
    try:
        value = Decimal(str(price))
    except (InvalidOperation, ValueError):
        raise CatalogError("price", "A price must be a decimal number.") from None
    if not value.is_finite():
        raise CatalogError("price", "A price must be a finite decimal number.")
    if value <= 0:
        raise CatalogError("price", "A price must be positive.")
    if value > MAX_PRICE:
        raise CatalogError("price", f"A price must not exceed {MAX_PRICE}.")
    if value != value.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise CatalogError("price", "A price has at most two decimal places.")
    return value.quantize(Decimal("0.01"))
