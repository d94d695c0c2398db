"""The admin shows every shop-a model; catalog edits go through the services; derived data is
read-only."""

from decimal import Decimal

import pytest

from modules.accounts.models import User
from modules.catalog import services
from modules.catalog.models import Product

pytestmark = pytest.mark.django_db

NOTIFICATIONS = pytest.mark.needs_modules("notifications")
ANALYTICS = pytest.mark.needs_modules("analytics")
PAGES = [
    "/admin/accounts/user/",
    "/admin/catalog/product/",
    pytest.param("/admin/notifications/notification/", marks=NOTIFICATIONS),
    pytest.param("/admin/analytics/orderfact/", marks=ANALYTICS),
    pytest.param("/admin/analytics/linefact/", marks=ANALYTICS),
    "/admin/idempotency/idempotencyrecord/",
]


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root@example.com", "root-pass-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_changelists_load(admin_client, url):
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/admin/notifications/notification/add/", marks=NOTIFICATIONS),
        pytest.param("/admin/analytics/orderfact/add/", marks=ANALYTICS),
        "/admin/idempotency/idempotencyrecord/add/",
    ],
)
def test_derived_data_cannot_be_added(admin_client, url):
    assert admin_client.get(url).status_code == 403


def test_admin_price_change_goes_through_the_service(admin_client, monkeypatch):
    published = []
    monkeypatch.setattr(services, "publish", published.append)
    product = Product.objects.create(sku="MUG-1", name="Mug", price=Decimal("12.50"))
    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {"name": "Mug", "description": "", "price": "13.00", "active": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    product.refresh_from_db()
    assert product.price == Decimal("13.00")
    assert [e.new_price for e in published] == [Decimal("13.00")]


def test_admin_creates_product(admin_client):
    response = admin_client.post(
        "/admin/catalog/product/add/",
        {"sku": "NEW-1", "name": "New", "description": "", "price": "3.00", "active": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    assert Product.objects.filter(sku="NEW-1").exists()


def test_admin_rejects_a_bad_price_on_the_form(admin_client):
    response = admin_client.post(
        "/admin/catalog/product/add/",
        {"sku": "NEW-1", "name": "New", "description": "", "price": "0.00", "active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"positive" in response.content
    assert not Product.objects.exists()
