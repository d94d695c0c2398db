"""Every model of inventory, payments and orders is in the admin; derived data is read-only."""

import pytest
from django.urls import reverse

from modules.inventory.models import Reservation, StockItem
from modules.orders import services
from modules.orders.models import CheckoutSaga, Order, SagaStep
from modules.payments.models import LedgerEntry, Payment, Wallet
from tests.e2e.shop import fund, product, run_events

pytestmark = pytest.mark.django_db

MODELS = (StockItem, Reservation, Wallet, LedgerEntry, Payment, Order, CheckoutSaga, SagaStep)
READ_ONLY = (Reservation, Wallet, LedgerEntry, Payment, Order, CheckoutSaga, SagaStep)


@pytest.fixture
def admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("root@example.com", "root-pass-123")
    client.force_login(user)
    product("MUG", "2.00", stock=5)
    fund(3, "10.00")
    services.order_place(customer_id=3, lines=[("MUG", 1)])
    run_events()
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_detail_pages_render(admin, model):
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert admin.get(changelist).status_code == 200
    obj = model.objects.first()
    detail = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    response = admin.get(detail)
    assert response.status_code == 200


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_derived_data_cannot_be_changed_in_the_admin(admin, model):
    meta = model._meta
    add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    assert admin.get(add).status_code == 403
    obj = model.objects.first()
    detail = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    assert admin.post(detail, {}).status_code == 403


def test_saga_page_shows_its_step_log(admin):
    saga = CheckoutSaga.objects.get()
    page = admin.get(reverse("admin:orders_checkoutsaga_change", args=[saga.pk])).content.decode()
    for step in ("reserve_stock", "capture_payment", "commit_stock", "confirm"):
        assert step in page
