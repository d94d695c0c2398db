"""Test helpers: API clients carrying a real access token (no login round trip, no throttle).

from tests.kernel.http.auth import client_for

staff = client_for(user_id=1, is_staff=True)
customer = client_for(user_id=42)
"""

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken


def access_token(*, user_id: int, is_staff: bool = False) -> str:
    token = AccessToken()
    token["user_id"] = str(user_id)
    token["is_staff"] = is_staff
    return str(token)


def client_for(*, user_id: int, is_staff: bool = False) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {access_token(user_id=user_id, is_staff=is_staff)}"
    )
    return client


def anonymous_client() -> APIClient:
    return APIClient(raise_request_exception=False)


def assert_problem(response, status: int) -> dict:
    """``response`` is an RFC 9457 problem with ``status``; returns its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    content_type = response.headers["Content-Type"]  # a Django or an httpx response
    assert content_type.startswith("application/problem+json"), content_type
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:seams:problem:")
    assert body["title"] and body["detail"]
    return body
