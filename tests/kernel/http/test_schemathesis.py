"""Schemathesis against the live schema (``/api/schema/``), in process, on the test database.

Every operation, positive and negative cases, every check Schemathesis has (no 5xx, responses
as documented, invalid input rejected, valid input accepted, auth honoured...), each case sent
as anonymous, as a customer and as staff. ``make test`` runs ``SEAMS_FUZZ_EXAMPLES`` (default
30) cases per operation; ``make fuzz`` runs the long budget.

The listed exceptions below are the only ones; each says why.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from modules.catalog.models import Product
from modules.inventory.models import StockItem
from tests.kernel.http.auth import access_token

EXAMPLES = int(os.environ.get("SEAMS_FUZZ_EXAMPLES", "20"))
CASES_SENT: list[str] = []

# Statuses a schema-valid request may get for reasons no schema can express: 401 for
# credentials that do not exist (or no token on a customer operation), 403 for a customer on a
# staff operation, 404 for ids that name nothing, 409 for a state conflict (cancelling twice,
# writing off more than is on hand).
POSITIVE_EXPECTED = ["2XX", 401, 403, 404, 409]
# ...and, on these operations only, 400 for a body that breaks a business rule, 422 for an
# Idempotency-Key generated twice with different bodies.
BUSINESS_RULES = {
    ("POST", "/api/v1/accounts/register/"): [400],  # weak password, taken email, an address
    # the format admits but Django's EmailValidator does not (e.g. a dotless domain)
    ("POST", "/api/v1/catalog/products/"): [400],  # the SKU is taken
    ("POST", "/api/v1/orders/"): [400, 422],  # a SKU not for sale; a reused key
}

CONFIG = {
    # the callers' headers are the only credentials: no generated Authorization header
    "generation": {"mode": "all", "max-examples": EXAMPLES, "with-security-parameters": False},
    "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_EXPECTED}},
    "operations": [
        {
            "include-method": method,
            "include-path": path,
            "checks": {
                "positive_data_acceptance": {"expected-statuses": POSITIVE_EXPECTED + extra}
            },
        }
        for (method, path), extra in BUSINESS_RULES.items()
    ],
}


@pytest.fixture
def test_connection_kept():
    """The WSGI handler closes the database connection around each request; in a test that
    connection holds the test's transaction, so keep it open as Django's test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def callers(db, settings, test_connection_kept) -> dict[str, dict[str, str]]:
    """Request headers of each caller; a product in stock, so orders can be placed."""
    rates = {"anon": "1000000/min", "user": "1000000/min", "auth": "1000000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # a generated ``Prefer: wait=N`` is honoured on a pending order, for at most this long
    settings.SEAMS_ORDER_WAIT_MAX_SECONDS = 0.05
    users = get_user_model().objects
    customer = users.create_user("fuzz-customer@example.com", "a long fuzz passphrase")
    staff = users.create_user("fuzz-staff@example.com", "a long fuzz passphrase", is_staff=True)
    Product.objects.create(sku="FUZZ-1", name="Fuzz", price=Decimal("1.00"))
    StockItem.objects.create(sku="FUZZ-1", on_hand=1_000_000, received=1_000_000)
    return {
        "anonymous": {},
        "customer": {"Authorization": f"Bearer {access_token(user_id=customer.pk)}"},
        "staff": {"Authorization": f"Bearer {access_token(user_id=staff.pk, is_staff=True)}"},
    }


schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", get_wsgi_application(), config=SchemathesisConfig.from_dict(CONFIG)
)


@schema.parametrize()
@hypothesis_settings(
    deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
)
def test_every_operation_as_anonymous_customer_and_staff(case, callers):
    for caller, headers in callers.items():
        CASES_SENT.append(caller)
        case.call_and_validate(headers=headers)
