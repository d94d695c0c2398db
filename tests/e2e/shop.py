"""Test helpers for the shop's checkout: products, stock, funds, and running the saga.

Set-up goes through each module's public api or services (never another module's tables),
and ``run_events()`` delivers pending outbox rows in this thread, like a worker would. The
helpers of one module's data live in :mod:`tests.e2e.goods` and :mod:`tests.e2e.money`, which
a module's own tests import (a module-sliced run installs only what they need).
"""

from __future__ import annotations

from app.kernel.events.testing import drain
from tests.e2e.goods import product, restock, stock
from tests.e2e.money import balance, fund

__all__ = ("balance", "fund", "product", "restock", "run_events", "stock")


def run_events() -> int:
    """Deliver every pending event (and the events its handlers publish)."""
    return drain()
