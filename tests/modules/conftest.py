"""Clients shared by the module tests: anonymous, a customer and staff, with real tokens."""

import pytest

from tests.kernel.http.auth import anonymous_client, client_for


@pytest.fixture
def anon():
    return anonymous_client()


@pytest.fixture
def customer():
    return client_for(user_id=1001)


@pytest.fixture
def staff():
    return client_for(user_id=1, is_staff=True)
