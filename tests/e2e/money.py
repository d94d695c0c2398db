"""Test helpers for customers' money (payments): fund a wallet, read its balance.

Apart from :mod:`tests.e2e.goods` so that a module-sliced run of payments (no catalog, no
inventory) can import them (ADR 0017).
"""

from __future__ import annotations

from decimal import Decimal

from app.kernel.ownership import acting_as
from modules.payments import api as payments_api
from modules.payments import services as payments_services


def fund(customer_id: int, amount: str) -> None:
    with acting_as("payments"):
        payments_services.wallet_top_up(customer_id=customer_id, amount=Decimal(amount))


def balance(customer_id: int) -> Decimal:
    return payments_api.balance_get(customer_id=customer_id).balance
