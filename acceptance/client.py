"""The suite's HTTP client: a base URL, an optional bearer token, JSON in and out.

Setting-up calls (``expect=...``) honour ``429`` + ``Retry-After`` like a well-behaved
client, so repeated runs against one system share its rate limits without failing; calls a
test asserts on are made raw and see the server's answer as it is.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

BASE_URL = os.environ.get("SEAMS_ACCEPTANCE_URL", "http://127.0.0.1:8000").rstrip("/")
TIMEOUT = float(os.environ.get("SEAMS_ACCEPTANCE_TIMEOUT", "60"))  # async outcomes (s)
RETRY_AFTER_MAX = 70.0  # longest Retry-After a setting-up call waits out (s)
PROBLEM = "application/problem+json"


class Api:
    """One caller of the API: anonymous, or signed in with ``token``."""

    def __init__(self, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=BASE_URL, headers=headers, timeout=30.0)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, *, expect: int | None = None, **kwargs):
        """The response; with ``expect``, wait out throttling and fail unless it is that status."""
        response = self.http.request(method, path, **kwargs)
        if expect is None:
            return response
        waited = 0.0
        while response.status_code == 429 and waited < RETRY_AFTER_MAX:
            pause = float(response.headers.get("Retry-After", "1"))
            time.sleep(pause)
            waited += pause
            response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path}: expected {expect}, got {response.status_code}: {response.text}"
        )
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)


def assert_problem(response: httpx.Response, status: int, type_: str) -> dict:
    """``response`` is an RFC 9457 problem ``urn:seams:problem:<type_>`` with ``status``."""
    where = f"{response.request.method} {response.request.url}: {response.text[:500]}"
    assert response.status_code == status, where
    assert response.headers.get("content-type", "").split(";")[0] == PROBLEM, where
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys(), where
    assert (body["type"], body["status"]) == (f"urn:seams:problem:{type_}", status), where
    return body


def wait_for(predicate: Callable[[], T], what: str, timeout: float = TIMEOUT) -> T:
    """``predicate()``'s first truthy value, polled every 100 ms for up to ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
