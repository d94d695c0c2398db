"""``manage.py seed_demo``: what `make run` relies on to give a new user a working shop."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from modules.accounts.models import User
from modules.catalog.models import Product
from modules.inventory.models import StockItem

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Product.objects.count(), StockItem.objects.count()


def test_seed_demo_is_idempotent_and_says_how_to_log_in():
    first = seed()
    after_first = counts()
    second = seed()

    assert counts() == after_first
    assert all(n > 0 for n in after_first)
    assert first == second
    assert "demo@example.com" in first
    assert "/api/v1/accounts/token/" in first


def test_seeded_customer_can_log_in_and_see_stocked_products():
    seed()
    client = APIClient()
    token = client.post(
        "/api/v1/accounts/token/",
        {"email": "demo@example.com", "password": "demo-pass-123"},
        format="json",
    )
    assert token.status_code == 200
    sku = Product.objects.filter(active=True).values_list("sku", flat=True).first()
    stock = client.get(f"/api/v1/inventory/stock/{sku}/").json()
    assert stock["available"] > 0


def admin_index_as_demo_staff() -> str:
    client = APIClient()
    email, password = "staff@example.com", "staff-pass-123"
    assert client.login(email=email, password=password)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_demo_staff_sees_every_modules_models_in_the_admin_and_may_only_view():
    seed()
    index = admin_index_as_demo_staff()
    assert "have permission to view or edit anything" not in index
    for model in ("Users", "Products", "Stock items", "Orders", "Wallets", "Notifications"):
        assert model in index
    client = APIClient()
    client.login(email="staff@example.com", password="staff-pass-123")
    assert client.get("/admin/orders/order/").status_code == 200
    assert client.get("/admin/catalog/product/add/").status_code == 403


def test_demo_staff_gets_no_permission_in_production(settings):
    settings.PRODUCTION = True
    seed()
    staff = User.objects.get(email="staff@example.com")
    assert not staff.user_permissions.exists()
    assert "have permission to view or edit anything" in admin_index_as_demo_staff()
