"""HTTP API of inventory: stock levels for anyone, adjustments for staff, every error path."""

import pytest

from modules.inventory import api
from tests.e2e.goods import product, restock
from tests.kernel.http.auth import anonymous_client, assert_problem, client_for

pytestmark = pytest.mark.django_db


def url(sku: str, adjust: bool = False) -> str:
    return f"/api/v1/inventory/stock/{sku}/" + ("adjust/" if adjust else "")


def test_anyone_reads_stock_of_a_catalog_sku():
    product("MUG")
    restock("MUG", 4)
    api.stock_reserve(order_id=1, lines=(api.ReservationLine("MUG", 1),))
    response = anonymous_client().get(url("MUG"))
    assert response.status_code == 200
    assert response.json() == {"sku": "MUG", "on_hand": 4, "reserved": 1, "available": 3}


def test_a_catalog_sku_never_stocked_reads_zeros():
    product("NEW")
    assert anonymous_client().get(url("NEW")).json() == {
        "sku": "NEW",
        "on_hand": 0,
        "reserved": 0,
        "available": 0,
    }


@pytest.mark.parametrize("sku", ["NOPE", "x" * 300, "%20", "%00", "MUG%0A", "%F0%9F%92%A9"])
def test_unknown_sku_is_404(sku):
    assert_problem(anonymous_client().get(url(sku)), 404)


def test_staff_adjust_works_right_after_the_product_is_created(staff):
    product("NEW")
    response = staff.post(url("NEW", True), {"delta": 12}, format="json")
    assert response.status_code == 200
    assert response.json() == {"sku": "NEW", "on_hand": 12, "reserved": 0, "available": 12}
    response = staff.post(url("NEW", True), {"delta": -2}, format="json")
    assert response.json()["on_hand"] == 10


def test_staff_creates_a_product_then_stocks_it_over_http(staff):
    created = staff.post(
        "/api/v1/catalog/products/",
        {"sku": "HTTP-1", "name": "Over HTTP", "price": "3.00"},
        format="json",
    )
    assert created.status_code == 201, created.content
    response = staff.post(url("HTTP-1", True), {"delta": 5}, format="json")
    assert response.status_code == 200 and response.json()["available"] == 5


def test_write_off_below_reserved_is_409(staff):
    product("MUG")
    restock("MUG", 4)
    api.stock_reserve(order_id=1, lines=(api.ReservationLine("MUG", 3),))
    assert_problem(staff.post(url("MUG", True), {"delta": -2}, format="json"), 409)
    assert anonymous_client().get(url("MUG")).json()["on_hand"] == 4


def test_write_off_below_zero_is_409(staff):
    product("MUG")
    assert_problem(staff.post(url("MUG", True), {"delta": -1}, format="json"), 409)


@pytest.mark.parametrize(
    "body",
    [
        {"delta": 0},
        {"delta": "5"},
        {"delta": 1.5},
        {"delta": True},
        {"delta": None},
        {"delta": 10**7},
        {"delta": -(10**7)},
        {"delta": 10**30},
        {},
        {"delta": 1, "sku": "OTHER"},
        [1],
    ],
)
def test_adjust_rejects_bad_input(staff, body):
    product("MUG")
    assert_problem(staff.post(url("MUG", True), body, format="json"), 400)
    assert anonymous_client().get(url("MUG")).json()["on_hand"] == 0


def test_adjust_malformed_json_is_400(staff):
    product("MUG")
    response = staff.post(url("MUG", True), data='{"delta":', content_type="application/json")
    assert_problem(response, 400)


def test_adjust_unknown_sku_is_404(staff):
    assert_problem(staff.post(url("NOPE", True), {"delta": 1}, format="json"), 404)


def test_adjust_needs_staff():
    product("MUG")
    assert_problem(anonymous_client().post(url("MUG", True), {"delta": 1}, format="json"), 401)
    customer = client_for(user_id=7)
    assert_problem(customer.post(url("MUG", True), {"delta": 1}, format="json"), 403)


def test_a_sku_is_shown_only_when_the_catalog_knows_it(fakes):
    """Inventory asks catalog's api about the SKU, nothing more (catalog faked here)."""
    catalog = fakes.catalog
    catalog.price_skus.returns({})
    assert_problem(anonymous_client().get(url("GONE")), 404)
    mug = catalog.PricedSku(
        sku="MUG", product_id=1, name="Mug", price="9.50", currency="EUR", active=True
    )
    catalog.price_skus.returns({"MUG": mug})
    assert anonymous_client().get(url("MUG")).json()["available"] == 0
    assert catalog.price_skus.calls == [{"skus": ["GONE"]}, {"skus": ["MUG"]}]
