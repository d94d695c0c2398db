"""Rate limits: past the rate, 429 with ``Retry-After``, as problem details.

Provoked on ``token/refresh/`` (the ``auth`` scope, per address and endpoint, 60/min by
default), which no other test needs twice in a minute: a garbage refresh token is a 401
until the rate is spent. ``SEAMS_ACCEPTANCE_THROTTLE_PROBES`` bounds the attempts (it must
exceed the deployment's ``THROTTLE_AUTH`` rate).
"""

from __future__ import annotations

import os

from acceptance.client import Api, assert_problem
from acceptance.shop import API

PROBES = int(os.environ.get("SEAMS_ACCEPTANCE_THROTTLE_PROBES", "200"))


def test_past_the_rate_a_client_gets_429_with_retry_after():
    anonymous = Api()
    for _ in range(PROBES):
        response = anonymous.post(f"{API}/accounts/token/refresh/", {"refresh": "garbage"})
        if response.status_code != 401:
            break
    body = assert_problem(response, 429, "throttled")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert body["retry_after"] == retry_after
    spoofed = {"X-Forwarded-For": "203.0.113.7"}  # a client's own header buys no fresh bucket
    again = anonymous.post(
        f"{API}/accounts/token/refresh/", {"refresh": "garbage"}, headers=spoofed
    )
    assert_problem(again, 429, "throttled")
