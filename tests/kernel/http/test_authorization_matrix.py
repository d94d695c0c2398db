"""Who may call what: every endpoint of the URL map, called by anonymous, a customer, another
customer and staff, gets the expected status, and the committed schema says the same.

The endpoints come from ``django.urls.get_resolver()``, so a new URL (or a new method on a
view) without a row in ``EXPECTED`` fails ``test_every_endpoint_has_an_expectation`` with the
line to add. ``customer`` owns the order in the path; ``other`` is a second customer.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework_simplejwt.tokens import RefreshToken

from modules.accounts.models import User
from modules.catalog.models import Product
from modules.inventory.models import StockItem
from modules.orders.services import order_place
from tests.kernel.http.auth import anonymous_client, client_for

CALLERS = ("anonymous", "customer", "other", "staff")
PASSWORD = "a long matrix passphrase"

# "METHOD route": statuses for (anonymous, customer, other, staff).
EXPECTED = {
    "GET ": (200, 200, 200, 200),  # the front door
    "GET healthz/": (200, 200, 200, 200),
    "GET readyz/": (200, 200, 200, 200),
    "GET metrics": (200, 200, 200, 200),  # METRICS_TOKEN unset; tests/app/test_metrics.py
    "GET api/schema/": (200, 200, 200, 200),
    "GET api/docs/": (200, 200, 200, 200),
    "POST api/v1/accounts/register/": (201, 201, 201, 201),
    "POST api/v1/accounts/token/": (200, 200, 200, 200),
    "POST api/v1/accounts/token/refresh/": (200, 200, 200, 200),
    "GET api/v1/accounts/me/": (401, 200, 200, 200),
    "GET api/v1/catalog/products/": (200, 200, 200, 200),
    "POST api/v1/catalog/products/": (401, 403, 403, 201),
    "GET api/v1/catalog/products/<id:pk>/": (200, 200, 200, 200),
    "PATCH api/v1/catalog/products/<id:pk>/": (401, 403, 403, 200),
    "GET api/v1/inventory/stock/<str:sku>/": (200, 200, 200, 200),
    "POST api/v1/inventory/stock/<str:sku>/adjust/": (401, 403, 403, 200),
    "GET api/v1/orders/": (401, 200, 200, 200),
    "POST api/v1/orders/": (401, 202, 202, 202),
    "GET api/v1/orders/<id:order_id>/": (401, 200, 404, 404),
    "POST api/v1/orders/<id:order_id>/cancel/": (401, 200, 404, 404),
    "GET api/v1/payments/wallet/": (401, 200, 200, 200),
    "POST api/v1/payments/wallet/top-up/": (401, 200, 200, 200),
    "GET api/v1/payments/transactions/": (401, 200, 200, 200),
    "GET api/v1/notifications/": (401, 200, 200, 200),
    "GET api/v1/analytics/sales/": (401, 403, 403, 200),
    # service to service only: no JWT, staff or not, gets past the request signature (module
    # api calls, /internal/api/, are answered before the URL map: tests/kernel/remote/
    # test_server.py checks the same of them)
    "GET internal/events/<str:module>/": (401, 401, 401, 401),
}

# URL prefixes outside the matrix, with the reason.
NOT_IN_MATRIX = {
    "admin/": "Django admin: session login of its own, staff only (Django's tests cover it)",
}


def _routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _methods(callback) -> list[str]:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:  # a function view (health, metrics): its decorators say, or GET
        allowed = getattr(callback, "allowed_methods", None) or ["get"]
        return [m.upper() for m in allowed if m.lower() not in {"head", "options"}]
    return [
        m.upper()
        for m in view.http_method_names
        if m not in {"head", "options"} and hasattr(view, m)
    ]


def endpoints() -> list[str]:
    found = []
    for route, callback in _routes(get_resolver()):
        if not any(route.startswith(prefix) for prefix in NOT_IN_MATRIX):
            found += [f"{method} {route}" for method in _methods(callback)]
    return sorted(found)


def test_every_endpoint_has_an_expectation():
    missing = [endpoint for endpoint in endpoints() if endpoint not in EXPECTED]
    assert not missing, (
        "endpoints with no row in EXPECTED (tests/kernel/http/test_authorization_matrix.py); "
        "add, for (anonymous, customer, other, staff):\n"
        + "\n".join(f'    "{endpoint}": (..., ..., ..., ...),' for endpoint in missing)
    )
    gone = sorted(set(EXPECTED) - set(endpoints()))
    assert not gone, f"rows for endpoints that no longer exist: {gone}"


@pytest.fixture
def world(db, settings):
    rates = {"anon": "100000/min", "user": "100000/min", "auth": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    users = {
        "customer": User.objects.create_user("customer@example.com", PASSWORD),
        "other": User.objects.create_user("other@example.com", PASSWORD),
        "staff": User.objects.create_user("staff@example.com", PASSWORD, is_staff=True),
    }
    product = Product.objects.create(sku="MATRIX-1", name="Matrix", price=Decimal("2.00"))
    StockItem.objects.create(sku=product.sku, on_hand=100, received=100)
    order = order_place(customer_id=users["customer"].pk, lines=[(product.sku, 1)])
    return {"users": users, "product": product, "order": order}


def _request(endpoint: str, world: dict, caller: str, serial: list[int]):
    method, route = endpoint.split(" ", 1)
    product, order = world["product"], world["order"]
    path = "/" + (
        route.replace("<id:pk>", str(product.pk))
        .replace("<str:sku>", product.sku)
        .replace("<id:order_id>", str(order.pk))
        .replace("internal/events/<str:module>/", "internal/events/notifications/")
    )
    serial[0] += 1
    bodies = {
        "api/v1/accounts/register/": {"email": f"new{serial[0]}@example.com", "password": PASSWORD},
        "api/v1/accounts/token/": {"email": "customer@example.com", "password": PASSWORD},
        "api/v1/accounts/token/refresh/": {
            "refresh": str(RefreshToken.for_user(world["users"]["customer"]))
        },
        "api/v1/catalog/products/": {"sku": f"NEW-{serial[0]}", "name": "New", "price": "3.00"},
        "api/v1/catalog/products/<id:pk>/": {"price": "4.00"},
        "api/v1/inventory/stock/<str:sku>/adjust/": {"delta": 5},
        "api/v1/orders/": {"items": [{"sku": product.sku, "quantity": 1}]},
        "api/v1/payments/wallet/top-up/": {"amount": "10.00"},
    }
    if caller == "anonymous":
        client = anonymous_client()
    else:
        user = world["users"][caller]
        client = client_for(user_id=user.pk, is_staff=user.is_staff)
    if method == "GET":
        return client.get(path)
    return getattr(client, method.lower())(path, bodies.get(route, {}), format="json")


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_each_caller_gets_the_expected_status(world, endpoint):
    serial = [0]
    got = tuple(_request(endpoint, world, caller, serial).status_code for caller in CALLERS)
    assert got == EXPECTED[endpoint], dict(zip(CALLERS, got, strict=True))


def _operation(schema: dict, endpoint: str) -> dict:
    method, route = endpoint.split(" ", 1)
    for source, name in (
        ("<id:pk>", "{id}"),
        ("<str:sku>", "{sku}"),
        ("<id:order_id>", "{order_id}"),
    ):
        route = route.replace(source, name)
    return schema["paths"]["/" + route][method.lower()]


API = sorted(endpoint for endpoint in EXPECTED if endpoint.split(" ", 1)[1].startswith("api/v1/"))


@pytest.mark.parametrize("endpoint", API)
def test_the_schema_documents_who_may_call_and_what_they_get(endpoint):
    schema = yaml.safe_load((settings.BASE_DIR / "docs" / "openapi.yaml").read_text())
    operation = _operation(schema, endpoint)
    anonymous_allowed = EXPECTED[endpoint][0] != 401
    security = operation.get("security", [])
    assert ({} in security) == anonymous_allowed, (
        f"{endpoint}: security {security}, but anonymous gets {EXPECTED[endpoint][0]}"
    )
    undocumented = {str(s) for s in EXPECTED[endpoint]} - set(operation["responses"])
    assert not undocumented, f"{endpoint}: statuses not in the schema: {sorted(undocumented)}"
    if any(security):  # a token is read: a bad one is a 401 even where none is needed
        assert "401" in operation["responses"], endpoint
