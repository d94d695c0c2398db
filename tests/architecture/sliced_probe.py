"""Checks that only hold inside a module-sliced run of analytics; run by
``test_slices.py::test_a_sliced_run_installs_the_slice_only_and_fakes_the_rest`` (the name
does not start with ``test_``, so the normal runs never collect it)."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection

from app.kernel.remote.errors import ApiContractError
from tests.fakes import FakeApi, NotProgrammed


@pytest.mark.django_db
def test_only_the_slice_is_installed_and_migrated():
    installed = {c.label for c in apps.get_app_configs() if c.name.startswith("modules.")}
    assert installed == {"accounts", "analytics"}
    tables = connection.introspection.table_names()
    assert any(t.startswith("analytics_") for t in tables)
    assert not [t for t in tables if t.startswith(("orders_", "payments_", "catalog_"))]


def test_a_module_not_installed_has_a_fake_api_and_its_real_events():
    from modules.orders import api as orders_api
    from modules.orders.events import OrderConfirmed

    assert isinstance(orders_api, FakeApi)
    assert OrderConfirmed.name == "orders.OrderConfirmed"
    with pytest.raises(pytest.skip.Exception, match="needs module 'orders'"):
        importlib.import_module("modules.orders.services")


def test_the_fake_validates_records_and_answers(fakes):
    from modules.payments import api as payments_api

    balance = fakes.payments.Balance(customer_id=7, balance=Decimal("5.00"), currency="EUR")
    fakes.payments.balance_get.returns(balance)
    assert payments_api.balance_get(customer_id=7) is balance
    with pytest.raises(TypeError, match="customer"):
        payments_api.balance_get(customer=7)
    with pytest.raises(ApiContractError, match="customer_id"):
        payments_api.balance_get(customer_id="7")
    assert fakes.payments.balance_get.calls == [{"customer_id": 7}]


def test_an_unprogrammed_call_fails_the_test_even_when_caught():
    from modules.payments import api as payments_api

    with pytest.raises(NotProgrammed):
        payments_api.payment_refund(order_id=3)
