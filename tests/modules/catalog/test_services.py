"""Catalog services, rules and public api."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.kernel.ownership import acting_as
from modules.catalog import api, demo, services
from modules.catalog.events import ProductPriceChanged
from modules.catalog.models import Product
from modules.catalog.rules import MAX_PRICE, CatalogError, check_price


@pytest.fixture
def published(monkeypatch):
    events = []
    monkeypatch.setattr(services, "publish", events.append)
    return events


@pytest.mark.django_db
def test_price_change_publishes_event(published):
    with acting_as("catalog"):
        product = services.product_create(sku="A-1", name="A", price=Decimal("2.00"))
        services.product_update(product_id=product.pk, name="Renamed")
        assert published == []
        services.product_update(product_id=product.pk, price=Decimal("3.50"))
    (event,) = published
    assert isinstance(event, ProductPriceChanged)
    assert (event.product_id, event.sku, event.old_price, event.new_price, event.currency) == (
        product.pk,
        "A-1",
        Decimal("2.00"),
        Decimal("3.50"),
        "EUR",
    )


@pytest.mark.django_db
def test_same_price_publishes_nothing(published):
    with acting_as("catalog"):
        product = services.product_create(sku="A-1", name="A", price=Decimal("2.00"))
        services.product_update(product_id=product.pk, price=Decimal("2.0"))
    assert published == []


@pytest.mark.django_db
def test_duplicate_sku_is_a_catalog_error():
    with acting_as("catalog"):
        services.product_create(sku="A-1", name="A", price=Decimal("2.00"))
        with pytest.raises(CatalogError) as caught:
            services.product_create(sku="A-1", name="B", price=Decimal("2.00"))
    assert caught.value.field == "sku"


@pytest.mark.django_db
def test_update_unknown_product():
    with acting_as("catalog"), pytest.raises(services.ProductNotFound):
        services.product_update(product_id=999, price=Decimal("1.00"))


@pytest.mark.django_db
def test_price_skus_returns_dtos_and_omits_unknown():
    Product.objects.create(sku="A-1", name="A", price=Decimal("2.00"))
    Product.objects.create(sku="B-1", name="B", price=Decimal("3.00"), active=False)
    priced = api.price_skus(skus=["A-1", "B-1", "NOPE"])
    assert set(priced) == {"A-1", "B-1"}
    assert priced["A-1"].price == Decimal("2.00") and priced["A-1"].currency == "EUR"
    assert priced["B-1"].active is False
    with pytest.raises(AttributeError):
        priced["A-1"].price = Decimal(1)  # frozen DTO
    assert api.sku_list() == ["A-1"]
    assert api.sku_list(active_only=False) == ["A-1", "B-1"]
    assert api.price_skus(skus=[]) == {}


@given(st.decimals(min_value=Decimal("0.01"), max_value=MAX_PRICE, places=2))
def test_valid_prices_round_trip(price):
    assert check_price(price) == price
    assert check_price(str(price)) == price


@given(
    st.one_of(
        st.decimals(max_value=Decimal("0"), places=2, allow_nan=False),
        st.decimals(min_value=MAX_PRICE + Decimal("0.01"), places=2, allow_nan=False),
        st.decimals(
            min_value=Decimal("0.001"), max_value=Decimal("100"), places=3, allow_nan=False
        ).filter(lambda d: d != d.quantize(Decimal("0.01"))),
        st.just(Decimal("NaN")),
        st.just(Decimal("Infinity")),
        st.text(alphabet="abc-+e", max_size=5),
    )
)
def test_invalid_prices_are_rejected(price):
    with pytest.raises(CatalogError):
        check_price(price)


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    list(demo.seed())
    list(demo.seed())
    assert Product.objects.count() == len(demo.DEMO_PRODUCTS)
