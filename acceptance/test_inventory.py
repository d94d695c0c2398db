"""Stock: anyone reads it, staff restock and write off."""

from __future__ import annotations

from acceptance.client import Api, assert_problem
from acceptance.shop import API


def test_a_new_product_has_zero_stock_and_staff_restock_it_at_once(shop, staff):
    sku = shop.product()["sku"]
    assert shop.stock(sku) == {"sku": sku, "on_hand": 0, "reserved": 0, "available": 0}
    restocked = staff.post(f"{API}/inventory/stock/{sku}/adjust/", {"delta": 7})
    assert restocked.status_code == 200
    assert restocked.json() == {"sku": sku, "on_hand": 7, "reserved": 0, "available": 7}
    written_off = staff.post(f"{API}/inventory/stock/{sku}/adjust/", {"delta": -2}).json()
    assert written_off == {"sku": sku, "on_hand": 5, "reserved": 0, "available": 5}
    assert Api().get(f"{API}/inventory/stock/{sku}/").json() == written_off


def test_an_unknown_sku_is_404(shop):
    assert_problem(Api().get(f"{API}/inventory/stock/{shop.unique('NOPE')}/"), 404, "not-found")


def test_a_zero_or_non_integer_delta_is_400_and_changes_nothing(shop, staff):
    sku = shop.product(stock=3)["sku"]
    for delta in (0, "5", 1.5, True):
        response = staff.post(f"{API}/inventory/stock/{sku}/adjust/", {"delta": delta})
        assert_problem(response, 400, "validation-error")
    assert shop.stock(sku)["on_hand"] == 3


def test_writing_off_more_than_on_hand_is_refused_and_changes_nothing(shop, staff):
    sku = shop.product(stock=3)["sku"]
    response = staff.post(f"{API}/inventory/stock/{sku}/adjust/", {"delta": -4})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert shop.stock(sku)["on_hand"] == 3
