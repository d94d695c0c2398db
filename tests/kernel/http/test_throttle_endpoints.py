"""Every shop-a endpoint is throttled: the request past the rate gets a 429 problem with
Retry-After (rates overridden small here; production reads THROTTLE_* from the environment)."""

import pytest
from django.core.cache import cache

from modules.accounts.models import User
from tests.kernel.http.auth import anonymous_client, assert_problem, client_for

ENDPOINTS = [
    ("get", "/api/v1/accounts/me/", "customer"),
    ("get", "/api/v1/notifications/", "customer"),
    ("get", "/api/v1/analytics/sales/", "staff"),
    ("get", "/api/v1/catalog/products/", "anon"),
    ("get", "/api/v1/catalog/products/", "customer"),
    ("post", "/api/v1/accounts/register/", "anon"),
    ("post", "/api/v1/accounts/token/", "anon"),
    ("post", "/api/v1/accounts/token/refresh/", "anon"),
]


@pytest.fixture
def tiny_rates(settings):
    rates = {"anon": "2/min", "user": "2/min", "auth": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "who"), ENDPOINTS)
def test_third_request_in_a_minute_is_429(tiny_rates, method, url, who):
    User.objects.create_user("me@example.com", "pw-long-enough-1")
    client = {
        "anon": anonymous_client,
        "customer": lambda: client_for(user_id=User.objects.get().pk),
        "staff": lambda: client_for(user_id=1, is_staff=True),
    }[who]()
    for _ in range(2):
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code != 429
    response = getattr(client, method)(url, {}, format="json")
    body = assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert body["retry_after"] == int(response["Retry-After"])


def refresh(client, forwarded_for: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(
        "/api/v1/accounts/token/refresh/", {"refresh": "garbage"}, format="json", **headers
    )


@pytest.mark.django_db
def test_a_clients_own_x_forwarded_for_does_not_buy_it_a_fresh_bucket(tiny_rates):
    client = anonymous_client()
    answers = [refresh(client, f"203.0.113.{n}").status_code for n in range(3)]
    assert answers == [401, 401, 429]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_address_has_its_bucket(tiny_rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = anonymous_client()
    # the proxy appends the address it saw; what the client sent before it is not trusted
    ann = [refresh(client, f"198.51.100.{n}, 203.0.113.1").status_code for n in range(3)]
    bob = refresh(client, "203.0.113.2").status_code
    assert ann == [401, 401, 429]
    assert bob == 401
