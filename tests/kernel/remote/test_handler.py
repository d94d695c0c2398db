"""The service's WSGI application: ``/internal/`` answers on the lean handler (no public
middleware), every other path on Django's full stack."""

from __future__ import annotations

import json

import httpx
import pytest

from app.kernel.remote import client, signing
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")


@pytest.fixture
def served(settings):
    """The application as gunicorn serves it (called in process), with the production
    profile's HTTPS redirect on."""
    settings.SECURE_SSL_REDIRECT = True
    transport = httpx.WSGITransport(app=client.in_process_application())
    with httpx.Client(transport=transport, base_url="http://service.internal") as http:
        yield http


def signed_post(client: httpx.Client, path: str, body: object, **headers: str) -> httpx.Response:
    data = json.dumps(body).encode()
    signature = signing.sign("POST", path, data)
    return client.post(
        path,
        content=data,
        headers={"Content-Type": "application/json", signing.HEADER: signature, **headers},
    )


def test_an_internal_call_over_plain_http_is_served_not_redirected(served):
    response = signed_post(served, "/internal/api/rmtest/item_get/", {"name": "x"})
    assert response.status_code == 200
    assert response.json()["error"]["type"] == "ItemMissingError"
    assert served.get("/api/v1/catalog/products/").status_code == 301  # public: HTTPS only


def test_the_caller_request_id_comes_back_and_the_callee_sees_it(served):
    response = signed_post(served, "/internal/api/rmtest/seen/", {}, **{"X-Request-ID": "abc-1"})
    assert response.headers["X-Request-ID"] == "abc-1"
    assert response.json()["value"]["request_id"] == "abc-1"


def test_an_unknown_internal_path_is_a_404_problem(served):
    response = signed_post(served, "/internal/nothing/", {})
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_an_unsigned_internal_call_is_refused(served):
    response = served.post("/internal/api/rmtest/item_get/", json={"name": "x"})
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
