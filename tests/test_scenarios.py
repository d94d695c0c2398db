"""The scenario helpers (tests/scenarios.py) themselves: they see what was published, wait
through pending deliveries, and fail naming what never happened."""

from decimal import Decimal

import pytest

from modules.catalog.events import ProductPriceChanged
from modules.catalog.services import product_create, product_update


def test_wait_for_event_returns_the_matching_event_a_service_published(scenario):
    product = product_create(sku="SCN-1", name="Mug", price=Decimal("5.00"))
    product_update(product_id=product.pk, price=Decimal("6.00"))
    event = scenario.wait_for_event(ProductPriceChanged, where=lambda e: e.sku == "SCN-1")
    assert event.new_price == Decimal("6.00")


def test_waiting_for_an_event_never_published_fails_naming_it(scenario):
    with pytest.raises(AssertionError, match="ProductPriceChanged"):
        scenario.wait_for_event(ProductPriceChanged, timeout=0.2)
