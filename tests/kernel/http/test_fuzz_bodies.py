"""Property: whatever JSON a client sends to shop-a's write endpoints, the answer is never a 500,
and every error is a problem document."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules.catalog.models import Product
from tests.kernel.http.auth import anonymous_client, client_for

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

FIELDS = ["email", "password", "refresh", "sku", "name", "description", "price", "active"]
bodies = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
)

ENDPOINTS = [
    ("post", "/api/v1/accounts/register/", False),
    ("post", "/api/v1/accounts/token/", False),
    ("post", "/api/v1/accounts/token/refresh/", False),
    ("post", "/api/v1/catalog/products/", True),
    ("patch", "/api/v1/catalog/products/{product_id}/", True),
]


@pytest.fixture
def generous_rates(settings):
    rates = {"anon": "100000/min", "user": "100000/min", "auth": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    return Product.objects.create(sku="FUZZ-1", name="Fuzz", price=Decimal("1.00")).pk


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "staff"), ENDPOINTS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_no_body_causes_a_server_error(generous_rates, method, url, staff, body):
    url = url.format(product_id=generous_rates)
    client = client_for(user_id=1, is_staff=True) if staff else anonymous_client()
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code < 500, (body, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
