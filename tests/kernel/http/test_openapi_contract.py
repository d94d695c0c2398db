"""The committed schema's request constraints are the server's: a probe the schema rules out
is a 400, a probe it admits is not (issue 11 item 8).

Each probe replaces one field of a valid body (or adds one, or sets a header); the schema's
verdict comes from validating the probe against ``docs/openapi.yaml`` with jsonschema, so a
looser schema (an amount pattern admitting "0", no ``additionalProperties: false``, no
``maxItems``) fails here, and so does a stricter one.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count

import jsonschema
import pytest
import yaml
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from modules.accounts.models import User
from modules.catalog.models import Product
from modules.inventory.models import StockItem
from tests.kernel.http.auth import anonymous_client, client_for

SCHEMA = yaml.safe_load((settings.BASE_DIR / "docs" / "openapi.yaml").read_text())
PASSWORD = "a long contract passphrase"
_serial = count()

MONEY_PROBES = [
    "0",
    "0.00",
    "-1",
    "",
    "5",
    "0.5",
    "0.01",
    "12.50",
    "1e2",
    " 5 ",
    "5.",
    ".5",
    "\uff11\uff12",
    "12.345",
    5,
    "1000.00",
    "1000.01",
    "1000000.00",
    "1000000.01",
]


def _request_schema(path: str, method: str) -> dict:
    operation = SCHEMA["paths"][path][method]
    return operation["requestBody"]["content"]["application/json"]["schema"]


def schema_admits(path: str, method: str, body: object) -> bool:
    schema = {**_request_schema(path, method), "components": SCHEMA["components"]}
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return validator.is_valid(body)


@pytest.fixture
def callers(db, settings):
    rates = {"anon": "100000/min", "user": "100000/min", "auth": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    customer = User.objects.create_user("contract@example.com", PASSWORD)
    product = Product.objects.create(sku="CONTRACT-1", name="Contract", price=Decimal("1.00"))
    StockItem.objects.create(sku=product.sku, on_hand=100_000, received=100_000)
    return {
        "anonymous": anonymous_client(),
        "customer": client_for(user_id=customer.pk),
        "staff": client_for(user_id=customer.pk + 1000, is_staff=True),
        "product": product,
    }


# (path in the schema, method, caller, valid body) — each body made fresh per call.
OPERATIONS = {
    "register": (
        "/api/v1/accounts/register/",
        "post",
        "anonymous",
        lambda: {"email": f"c{next(_serial)}@example.com", "password": PASSWORD},
    ),
    "token": (
        "/api/v1/accounts/token/",
        "post",
        "anonymous",
        lambda: {"email": "contract@example.com", "password": PASSWORD},
    ),
    "refresh": (
        "/api/v1/accounts/token/refresh/",
        "post",
        "anonymous",
        lambda: {
            "refresh": str(RefreshToken.for_user(User.objects.get(email="contract@example.com")))
        },
    ),
    "product-create": (
        "/api/v1/catalog/products/",
        "post",
        "staff",
        lambda: {"sku": f"C-{next(_serial)}", "name": "C", "price": "2.00"},
    ),
    "product-update": ("/api/v1/catalog/products/{id}/", "patch", "staff", lambda: {"name": "D"}),
    "stock-adjust": (
        "/api/v1/inventory/stock/{sku}/adjust/",
        "post",
        "staff",
        lambda: {"delta": 1},
    ),
    "order": (
        "/api/v1/orders/",
        "post",
        "customer",
        lambda: {"items": [{"sku": "CONTRACT-1", "quantity": 1}]},
    ),
    "top-up": ("/api/v1/payments/wallet/top-up/", "post", "customer", lambda: {"amount": "1.00"}),
}

PROBES = [
    *[("top-up", "amount", value) for value in MONEY_PROBES],
    *[("product-create", "price", value) for value in MONEY_PROBES],
    *[("product-update", "price", value) for value in MONEY_PROBES],
    *[("stock-adjust", "delta", value) for value in (0, -1, 1_000_000, 1_000_001, "1", True)],
    ("register", "email", "not-an-email"),
    ("register", "email", "x" * 250 + "@example.com"),
    ("order", "items", []),
    ("order", "items", [{"sku": "CONTRACT-1", "quantity": 1}] * 50),
    ("order", "items", [{"sku": "CONTRACT-1", "quantity": 1}] * 51),
    *[(name, "unexpected", 1) for name in OPERATIONS],
]


def _send(callers, name: str, body: dict):
    path, method, caller, _ = OPERATIONS[name]
    url = path.format(id=callers["product"].pk, sku=callers["product"].sku)
    return getattr(callers[caller], method)(url, body, format="json")


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_valid_body_is_admitted_by_the_schema_and_accepted(callers, name):
    path, method, _, body = OPERATIONS[name]
    sample = body()
    assert schema_admits(path, method, sample), sample
    assert _send(callers, name, sample).status_code < 300


@pytest.mark.parametrize(
    ("name", "field", "value"), PROBES, ids=[f"{n}-{f}-{repr(v)[:20]}" for n, f, v in PROBES]
)
def test_the_server_rejects_exactly_what_the_schema_rules_out(callers, name, field, value):
    path, method, _, body = OPERATIONS[name]
    probe = {**body(), field: value}
    admitted = schema_admits(path, method, probe)
    status = _send(callers, name, probe).status_code
    agrees = (status != 400) == admitted
    assert agrees, f"schema {'admits' if admitted else 'rules out'} {probe}; server {status}"


def test_idempotency_key_constraints_match_the_server(callers):
    [parameter] = SCHEMA["paths"]["/api/v1/orders/"]["post"]["parameters"]
    validator = jsonschema.Draft202012Validator(parameter["schema"])
    for key in ["k", "x" * 255, "x" * 256, "é-key", "with space"]:
        response = callers["customer"].post(
            "/api/v1/orders/",
            {"items": [{"sku": "CONTRACT-1", "quantity": 1}]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert (response.status_code != 400) == validator.is_valid(key), (key, response.content)
