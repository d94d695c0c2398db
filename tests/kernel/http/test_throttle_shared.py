"""With REDIS_URL, throttle counters live in Redis: every worker process sees the same count."""

import pytest
from django.core.cache import cache, caches

from tests.kernel.http.auth import anonymous_client, assert_problem


@pytest.mark.redis
@pytest.mark.django_db
def test_throttle_counters_are_shared_through_redis(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "2/min", "auth": "2/min"},
    }
    cache.clear()
    try:
        client = anonymous_client()
        assert client.get("/api/v1/catalog/products/").status_code == 200
        # a second "worker": a brand-new connection to the same cache sees the first hit
        other_worker = caches.create_connection("default")
        keys = [k for k in other_worker._cache.get_client().keys("*") if b"throttle_anon" in k]
        assert keys, "the anon throttle counter is not in Redis"
        assert client.get("/api/v1/catalog/products/").status_code == 200
        response = client.get("/api/v1/catalog/products/")
        assert_problem(response, 429)
    finally:
        cache.clear()


@pytest.mark.django_db
def test_with_the_cache_down_requests_go_through_unthrottled_not_as_500(settings, caplog):
    """Redis is down (nothing listens where the cache points): throttling fails open."""
    settings.CACHES = {
        "default": {
            "BACKEND": "app.kernel.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "1/min", "auth": "1/min"},
    }
    client = anonymous_client()
    statuses = [client.get("/api/v1/catalog/products/").status_code for _ in range(3)]
    login = client.post(
        "/api/v1/accounts/token/", {"email": "a@example.com", "password": "x"}, format="json"
    )
    assert statuses == [200, 200, 200]
    assert login.status_code == 401  # the credentials' answer, not the cache's
