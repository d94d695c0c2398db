"""Catalog HTTP API: reads for anyone, writes for staff, every error a problem."""

from decimal import Decimal

import pytest
from django.test import override_settings

from modules.catalog.models import Product
from tests.kernel.http.auth import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/products/"
FIELDS = {"id", "sku", "name", "description", "price", "currency", "active"}


@pytest.fixture
def mug():
    return Product.objects.create(sku="MUG-1", name="Mug", price=Decimal("12.50"))


@pytest.fixture
def retired():
    return Product.objects.create(sku="OLD-1", name="Old", price=Decimal("1.00"), active=False)


def test_anyone_lists_active_products_paginated(anon, mug, retired):
    response = anon.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    (item,) = body["results"]
    assert set(item) == FIELDS
    assert item["price"] == "12.50"
    assert item["currency"] == "EUR"


def test_staff_list_includes_inactive(staff, mug, retired):
    assert staff.get(URL).json()["count"] == 2


def test_page_size_is_bounded_and_bad_page_is_404(anon, mug, settings):
    settings.API_MAX_PAGE_SIZE = 1
    Product.objects.create(sku="MUG-2", name="Mug 2", price=Decimal("3.00"))
    body = anon.get(URL + "?page_size=50").json()
    assert len(body["results"]) == 1 and body["next"]
    assert_problem(anon.get(URL + "?page=999"), 404)
    assert_problem(anon.get(URL + "?page=abc"), 404)


def test_detail(anon, mug):
    response = anon.get(f"{URL}{mug.pk}/")
    assert response.status_code == 200
    assert response.json()["sku"] == "MUG-1"


def test_detail_of_inactive_is_404_for_customers_not_staff(anon, customer, staff, retired):
    assert_problem(anon.get(f"{URL}{retired.pk}/"), 404)
    assert_problem(customer.get(f"{URL}{retired.pk}/"), 404)
    assert staff.get(f"{URL}{retired.pk}/").status_code == 200


@pytest.mark.parametrize("pk", ["999999", "9" * 18, "9" * 40])
def test_unknown_or_huge_id_is_404(anon, pk):
    assert_problem(anon.get(f"{URL}{pk}/"), 404)


def test_staff_creates_product(staff):
    response = staff.post(
        URL, {"sku": "TEE-1", "name": "Tee", "price": "19.90", "description": "x"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert body["price"] == "19.90" and body["active"] is True
    assert Product.objects.get(sku="TEE-1").price == Decimal("19.90")


def test_create_takes_a_price_without_places(staff):
    response = staff.post(URL, {"sku": "N-1", "name": "N", "price": "5"}, format="json")
    assert response.status_code == 201
    assert response.json()["price"] == "5.00"


def test_create_needs_a_token(anon):
    assert_problem(anon.post(URL, {"sku": "A", "name": "A", "price": "1.00"}, format="json"), 401)


def test_create_is_staff_only(customer):
    response = customer.post(URL, {"sku": "A", "name": "A", "price": "1.00"}, format="json")
    assert_problem(response, 403)
    assert not Product.objects.exists()


def test_duplicate_sku_is_400(staff, mug):
    response = staff.post(URL, {"sku": "MUG-1", "name": "Again", "price": "1.00"}, format="json")
    body = assert_problem(response, 400)
    assert "sku" in body["errors"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A", "price": "1.00"}, "sku"),
        ({"sku": "A", "price": "1.00"}, "name"),
        ({"sku": "A", "name": "A"}, "price"),
        ({"sku": "A", "name": "A", "price": "0"}, "price"),
        ({"sku": "A", "name": "A", "price": "-1.00"}, "price"),
        ({"sku": "A", "name": "A", "price": "1.001"}, "price"),
        ({"sku": "A", "name": "A", "price": "1000000.01"}, "price"),
        ({"sku": "A", "name": "A", "price": "1e400"}, "price"),
        ({"sku": "A", "name": "A", "price": "NaN"}, "price"),
        ({"sku": "A", "name": "A", "price": "Infinity"}, "price"),
        ({"sku": "A", "name": "A", "price": "cheap"}, "price"),
        ({"sku": "A", "name": "A", "price": [1]}, "price"),
        ({"sku": "A", "name": "A", "price": True}, "price"),
        ({"sku": "A", "name": "A", "price": 5}, "price"),
        ({"sku": "A", "name": "A", "price": 5.5}, "price"),
        ({"sku": "A", "name": "A", "price": "1e2"}, "price"),
        ({"sku": "A", "name": "A", "price": " 5 "}, "price"),
        ({"sku": "A", "name": "A", "price": "5."}, "price"),
        ({"sku": "A", "name": "A", "price": ".5"}, "price"),
        ({"sku": "A", "name": "A", "price": "\uff15"}, "price"),
        ({"sku": "A", "name": "A", "price": "\u0665"}, "price"),
        ({"sku": "A b", "name": "A", "price": "1.00"}, "sku"),
        ({"sku": "x" * 65, "name": "A", "price": "1.00"}, "sku"),
        ({"sku": "A\x00", "name": "A", "price": "1.00"}, "sku"),
        ({"sku": 12, "name": "A", "price": "1.00"}, "sku"),
        ({"sku": "A", "name": "", "price": "1.00"}, "name"),
        ({"sku": "A", "name": "n" * 201, "price": "1.00"}, "name"),
        ({"sku": "A", "name": "A", "price": "1.00", "active": "maybe"}, "active"),
        ({"sku": "A", "name": "A", "price": "1.00", "id": 5}, "id"),
        ({"sku": "A", "name": "A", "price": "1.00", "currency": "USD"}, "currency"),
    ],
)
def test_create_rejects_bad_input(staff, payload, field):
    body = assert_problem(staff.post(URL, payload, format="json"), 400)
    assert field in body["errors"], body
    assert not Product.objects.exists()


def test_create_malformed_json_is_400(staff):
    assert_problem(staff.post(URL, '{"sku": ', content_type="application/json"), 400)


def test_create_form_body_is_415(staff):
    assert_problem(staff.post(URL, "sku=A", content_type="application/x-www-form-urlencoded"), 415)


def test_staff_changes_price_and_deactivates(staff, mug):
    response = staff.patch(f"{URL}{mug.pk}/", {"price": "14.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["price"] == "14.00"
    response = staff.patch(f"{URL}{mug.pk}/", {"active": False}, format="json")
    assert response.json()["active"] is False
    mug.refresh_from_db()
    assert (mug.price, mug.active) == (Decimal("14.00"), False)


@pytest.mark.parametrize(
    "payload",
    [{"price": "0.00"}, {"price": "2.345"}, {"sku": "NEW"}, {"name": ""}, {"active": None}],
)
def test_patch_rejects_bad_input_and_changes_nothing(staff, mug, payload):
    assert_problem(staff.patch(f"{URL}{mug.pk}/", payload, format="json"), 400)
    mug.refresh_from_db()
    assert (mug.sku, mug.name, mug.price, mug.active) == ("MUG-1", "Mug", Decimal("12.50"), True)


def test_patch_is_staff_only(anon, customer, mug):
    assert_problem(anon.patch(f"{URL}{mug.pk}/", {"price": "1.00"}, format="json"), 401)
    assert_problem(customer.patch(f"{URL}{mug.pk}/", {"price": "1.00"}, format="json"), 403)


def test_patch_unknown_product_is_404(staff):
    assert_problem(staff.patch(f"{URL}424242/", {"price": "1.00"}, format="json"), 404)


def test_put_and_delete_are_405(staff, mug):
    assert_problem(staff.put(f"{URL}{mug.pk}/", {"price": "1.00"}, format="json"), 405)
    assert_problem(staff.delete(f"{URL}{mug.pk}/"), 405)


@override_settings(
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_PAGINATION_CLASS": "app.kernel.http.pagination.Pagination",
        "PAGE_SIZE": 20,
        "EXCEPTION_HANDLER": "app.kernel.http.problems.exception_handler",
        "DEFAULT_THROTTLE_CLASSES": [
            "app.kernel.http.throttles.AnonymousRateThrottle",
            "app.kernel.http.throttles.CustomerRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min", "auth": "1/min"},
    }
)
def test_reads_are_throttled_with_retry_after(anon, customer):
    for _ in range(2):
        assert anon.get(URL).status_code == 200
    response = anon.get(URL)
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    for _ in range(3):
        assert customer.get(URL).status_code == 200
    assert_problem(customer.get(URL), 429)
