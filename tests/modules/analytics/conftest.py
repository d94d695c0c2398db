import pytest
from django.core.cache import cache

from tests.kernel.http.auth import anonymous_client, client_for


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon():
    return anonymous_client()


@pytest.fixture
def customer():
    return client_for(user_id=1001)


@pytest.fixture
def staff():
    return client_for(user_id=1, is_staff=True)
