"""The runtime data-ownership guard and the attribution entry points that feed it."""

from __future__ import annotations

import importlib
import logging

import pytest
from django.apps import apps
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from app.kernel.boundaries.guard import DataOwnershipViolation, tables_in
from app.kernel.boundaries.middleware import ModuleAttributionMiddleware, view_module
from app.kernel.boundaries.owners import table_owners
from app.kernel.ownership import acting_as, current_module, module_api, module_task
from app.kernel.topology import database_of


def table_of(module: str) -> str:
    tables = sorted(t for t, owner in table_owners().items() if owner == module)
    if not tables:
        pytest.skip(f"module {module} has no tables yet")
    return tables[0]


def model_of(module: str):
    for model in apps.get_app_config(module).get_models():
        return model
    pytest.skip(f"module {module} has no models yet")


def count(table: str) -> int:
    """Raw SQL on the database holding ``table`` (its owner module's; infrastructure:
    default)."""
    owner = table_owners().get(table)
    connection = connections[database_of(owner) if owner else "default"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


pytestmark = pytest.mark.django_db


def test_orm_query_of_another_modules_table_raises():
    stock = model_of("inventory")
    with acting_as("orders"), pytest.raises(DataOwnershipViolation) as caught:
        stock.objects.count()
    table = stock._meta.db_table
    assert str(caught.value).startswith(
        f"module 'orders' touched table '{table}' owned by module 'inventory'"
    )
    assert "call inventory's api (modules.inventory.api)" in str(caught.value)


def test_raw_sql_on_another_modules_table_raises():
    table = table_of("inventory")
    with acting_as("orders"), pytest.raises(DataOwnershipViolation, match=f"'{table}'"):
        count(table)


@pytest.mark.parametrize(
    "template",
    [
        "SELECT 1 FROM orders_x o, {t} s",  # comma join
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM {t})",  # subquery
        'UPDATE "{t}" SET x = 1',
        "DELETE FROM {t}",
        "INSERT INTO {t} (id) VALUES (1)",
        "select * from main.{t}",  # schema-qualified, lower case
        "WITH c AS (SELECT * FROM {t}) SELECT * FROM c",
    ],
)
def test_table_scan_finds_the_table_whatever_the_statement(template):
    table = table_of("inventory")
    assert table in tables_in(template.format(t=table))


def test_own_tables_are_fine():
    table = table_of("orders")
    with acting_as("orders"):
        assert count(table) >= 0
        model_of("orders").objects.count()


def test_infrastructure_tables_are_fine_for_any_module():
    with acting_as("orders"):
        count("django_content_type")
        count("django_session")


def test_accounts_owns_the_auth_tables():
    with acting_as("accounts"):
        count("auth_group")
    with acting_as("orders"), pytest.raises(DataOwnershipViolation, match="'auth_group'"):
        count("auth_group")


def test_outside_any_module_nothing_is_checked():
    assert current_module() is None
    count(table_of("inventory"))
    count(table_of("orders"))


def test_log_mode_logs_and_lets_the_query_run(settings, caplog):
    settings.SEAMS_OWNERSHIP_GUARD = "log"
    table = table_of("inventory")
    with caplog.at_level(logging.WARNING, logger="seams.boundaries"), acting_as("orders"):
        assert count(table) >= 0
    assert any(
        "module 'orders' touched table" in record.getMessage() for record in caplog.records
    ), caplog.text


def test_off_mode_is_silent(settings, caplog):
    settings.SEAMS_OWNERSHIP_GUARD = "off"
    with caplog.at_level(logging.DEBUG, logger="seams.boundaries"), acting_as("orders"):
        assert count(table_of("inventory")) >= 0
    assert not [r for r in caplog.records if r.name == "seams.boundaries"]


def test_nested_api_call_runs_as_the_callee():
    stock = model_of("inventory")

    def stock_count() -> int:
        return stock.objects.count()

    stock_count.__module__ = "modules.inventory.api"
    public = module_api(stock_count)
    with acting_as("orders"):
        assert public() >= 0  # inside inventory's api: inventory's tables
        assert current_module() == "orders"
        with pytest.raises(DataOwnershipViolation):
            stock_count()  # the same code undecorated runs as orders


# --- attribution entry points ------------------------------------------------------------


# monolith_pass: the stand-in exists only in this test, so bound remote (the split pass) no
# service could serve it; a remote call's attribution: tests/kernel/remote/test_server.py
@pytest.mark.monolith_pass
def test_module_api_runs_as_its_module_and_is_marked():
    def order_total(*, order_id: int) -> str | None:
        return current_module()

    order_total.__module__ = "modules.orders.api"
    importlib.import_module(order_total.__module__)  # its typed errors are read from there
    public = module_api(order_total)
    assert public(order_id=1) == "orders"
    assert current_module() is None
    assert public.__seams_module_api__ == "orders"


def test_module_task_runs_as_its_module_with_a_stable_name():
    def notification_send(notification_id: int) -> str | None:
        return current_module()

    notification_send.__module__ = "modules.notifications.tasks"
    task = module_task(notification_send)
    assert task.name == "notifications.notification_send"
    assert task.apply(args=(1,)).get() == "notifications"
    assert current_module() is None


def test_module_task_takes_celery_options():
    def saga_timeout(self, order_id: int) -> str | None:
        return current_module()

    saga_timeout.__module__ = "modules.orders.tasks"
    task = module_task(bind=True, name="orders.saga_timeout_test", max_retries=3)(saga_timeout)
    assert task.name == "orders.saga_timeout_test" and task.max_retries == 3
    assert task.apply(args=(7,)).get() == "orders"


def test_module_task_refuses_code_outside_modules():
    def job() -> None:
        return None

    job.__module__ = "app.kernel.jobs"
    with pytest.raises(TypeError, match=r"modules\.<name>"):
        module_task(job)


def _view(request):
    return HttpResponse(current_module() or "-")


def test_middleware_attributes_the_request_to_the_views_module():
    _view.__module__ = "modules.orders.http.views"
    middleware = ModuleAttributionMiddleware(lambda request: _call_view(middleware, request))
    response = middleware(RequestFactory().get("/"))
    assert response.content == b"orders"
    assert current_module() is None  # reset after the response


def _call_view(middleware, request):
    middleware.process_view(request, _view, (), {})
    return _view(request)


def test_middleware_resets_even_when_the_view_raises():
    def boom(request):
        raise RuntimeError("boom")

    boom.__module__ = "modules.orders.http.views"

    def get_response(request):
        middleware.process_view(request, boom, (), {})
        return boom(request)

    middleware = ModuleAttributionMiddleware(get_response)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().get("/"))
    assert current_module() is None


def test_view_module_understands_class_based_views():
    from rest_framework.views import APIView

    view_class = type("StockView", (APIView,), {"__module__": "modules.inventory.http.views"})
    assert view_module(view_class.as_view()) == "inventory"
    assert view_module(lambda request: None) is None


def test_a_real_module_view_is_attributed(client, monkeypatch):
    seen = []
    from app.kernel.boundaries import middleware as attribution

    original = attribution.ModuleAttributionMiddleware.process_view

    def spy(self, request, view_func, *args):
        result = original(self, request, view_func, *args)
        seen.append(current_module())
        return result

    monkeypatch.setattr(attribution.ModuleAttributionMiddleware, "process_view", spy)
    client.get("/api/v1/catalog/products/")
    client.get("/metrics")  # a view outside modules
    assert seen == ["catalog", None]


def test_the_guard_is_installed_on_the_connection():
    from app.kernel.boundaries.guard import ownership_guard

    count("django_content_type")
    assert ownership_guard in connections["default"].execute_wrappers


# --- end to end through the middleware ------------------------------------------------------


def _orders_view_reading_inventory(request):
    return HttpResponse(str(model_of("inventory").objects.count()))


def _orders_view_reading_its_own_table(request):
    return HttpResponse(str(model_of("orders").objects.count()))


_orders_view_reading_inventory.__module__ = "modules.orders.http.views"
_orders_view_reading_its_own_table.__module__ = "modules.orders.http.views"

urlpatterns = [
    path("probe/foreign/", _orders_view_reading_inventory),
    path("probe/own/", _orders_view_reading_its_own_table),
]


def test_a_module_view_reading_another_modules_table_is_refused(client, settings):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(DataOwnershipViolation, match="module 'orders' touched table"):
        client.get("/probe/foreign/")
    assert client.get("/probe/own/").status_code == 200
    assert current_module() is None


def test_a_modules_sql_on_another_database_than_its_own_is_refused(settings):
    settings.SEAMS_TOPOLOGY = "split"  # payments' tables are on its own database there
    outbox = "SELECT COUNT(*) FROM seams_events_outbox"  # each database has its own
    cursor = connections["default"].cursor()
    with acting_as("payments"), pytest.raises(DataOwnershipViolation) as caught:
        cursor.execute(outbox)
    assert str(caught.value).startswith(
        "module 'payments' ran SQL on database 'default', not on its own ('payments')"
    )
    with acting_as("orders"):
        cursor.execute(outbox)  # orders lives on default in that topology
    with acting_as("payments"):
        cursor.execute("SELECT COUNT(*) FROM django_content_type")  # shared, on default
    cursor.close()
