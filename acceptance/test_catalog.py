"""Products: anyone reads active ones, staff create, reprice and deactivate; lists paginate
with absolute links to the address the client called."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from acceptance.client import BASE_URL, Api, assert_problem
from acceptance.shop import API


def test_staff_create_a_product_anyone_reads(shop):
    product = shop.product(price="12.50", description="A mug")
    assert set(product) == {"id", "sku", "name", "description", "price", "currency", "active"}
    assert (product["price"], product["description"], product["active"]) == ("12.50", "A mug", True)
    response = Api().get(f"{API}/catalog/products/{product['id']}/")
    assert response.status_code == 200 and response.json() == product


def test_a_taken_sku_is_400(shop, staff):
    product = shop.product()
    again = staff.post(
        f"{API}/catalog/products/", {"sku": product["sku"], "name": "Twin", "price": "1.00"}
    )
    assert "sku" in assert_problem(again, 400, "validation-error")["errors"]


def test_staff_change_the_price(shop, staff):
    product = shop.product(price="5.00")
    changed = staff.patch(f"{API}/catalog/products/{product['id']}/", {"price": "7.25"})
    assert changed.status_code == 200 and changed.json()["price"] == "7.25"
    assert Api().get(f"{API}/catalog/products/{product['id']}/").json()["price"] == "7.25"


def test_a_deactivated_product_leaves_the_shop_but_staff_still_see_it(shop, staff):
    product = shop.product()
    off = staff.patch(f"{API}/catalog/products/{product['id']}/", {"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert_problem(Api().get(f"{API}/catalog/products/{product['id']}/"), 404, "not-found")
    assert staff.get(f"{API}/catalog/products/{product['id']}/").json()["active"] is False


def test_a_price_that_is_not_a_decimal_string_is_400(shop, staff):
    product = shop.product()
    for price in (12.5, "1e2", "-1.00", "0.00", "5.", "1000000.01"):
        response = staff.patch(f"{API}/catalog/products/{product['id']}/", {"price": price})
        assert_problem(response, 400, "validation-error")
    assert Api().get(f"{API}/catalog/products/{product['id']}/").json()["price"] == "10.00"


def test_pagination_links_are_absolute_and_point_at_the_base_url(shop, staff):
    for _ in range(3):
        shop.product()
    first = staff.get(f"{API}/catalog/products/", params={"page_size": 1})
    assert first.status_code == 200
    page = first.json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] >= 3 and len(page["results"]) == 1 and page["previous"] is None
    link = urlsplit(page["next"])
    assert f"{link.scheme}://{link.netloc}" == BASE_URL
    assert link.path == f"{API}/catalog/products/"
    assert parse_qs(link.query) == {"page": ["2"], "page_size": ["1"]}
    second = staff.get(page["next"]).json()
    assert second["results"][0]["id"] != page["results"][0]["id"]
    assert urlsplit(second["previous"]).netloc == urlsplit(BASE_URL).netloc


def test_a_page_past_the_end_is_404_and_a_bad_page_size_400():
    anonymous = Api()
    past = anonymous.get(f"{API}/catalog/products/", params={"page": 1_000_000})
    assert_problem(past, 404, "not-found")
    bad = anonymous.get(f"{API}/catalog/products/", params={"page_size": "many"})
    assert_problem(bad, 400, "validation-error")
