"""Fixtures of the acceptance suite: the staff caller (from the environment) and the shop
that seeds products and customers through the API."""

from __future__ import annotations

import os

import pytest

from acceptance.client import BASE_URL, Api
from acceptance.shop import API, Shop


def pytest_report_header(config):
    return f"seams acceptance against {BASE_URL}"


@pytest.fixture(scope="session")
def staff() -> Api:
    """The staff user ``SEAMS_ACCEPTANCE_STAFF_USER`` / ``_PASSWORD`` (``createsuperuser``)."""
    email = os.environ.get("SEAMS_ACCEPTANCE_STAFF_USER")
    password = os.environ.get("SEAMS_ACCEPTANCE_STAFF_PASSWORD")
    if not email or not password:
        pytest.fail("set SEAMS_ACCEPTANCE_STAFF_USER and SEAMS_ACCEPTANCE_STAFF_PASSWORD")
    body = {"email": email, "password": password}
    tokens = Api().post(f"{API}/accounts/token/", body, expect=200).json()
    api = Api(tokens["access"])
    assert api.get(f"{API}/accounts/me/", expect=200).json()["is_staff"], f"{email} is no staff"
    return api


@pytest.fixture(scope="session")
def shop(staff) -> Shop:
    return Shop(staff)
