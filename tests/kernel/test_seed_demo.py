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
