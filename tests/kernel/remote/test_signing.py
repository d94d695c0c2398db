"""Service-to-service signatures: only a request signed with a current key, within the
window, reaches an internal endpoint; a second key is accepted during rotation."""

from __future__ import annotations

import json
import time

import pytest

from app.kernel.remote import signing
from tests.kernel.http.auth import assert_problem
from tests.kernel.remote.test_server import send
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")
PATH = "/internal/api/rmtest/note_add/"
BODY = json.dumps({"text": "hello"}).encode()
OLD_KEY, NEW_KEY = "o" * 40, "n" * 40


@pytest.fixture
def post(settings):
    """POST ``BODY`` to the internal endpoint signed with ``signature`` (``None``: none)."""
    rmtest.CALLS.clear()

    def post(signature: str | None, body: bytes = BODY):
        return send("POST", PATH, body, **{signing.HEADER: signature})

    return post


def test_a_signed_request_runs_the_function(post):
    response = post(signing.sign("POST", PATH, BODY))
    assert response.status_code == 200, response.content
    assert response.json() == {"value": 5}
    assert rmtest.CALLS == ["hello"]


@pytest.mark.parametrize(
    ("signature", "why"),
    [
        (None, "no Seams-Signature header"),
        ("garbage", "malformed"),
        ("kid=abc, ts=1, sig=00", "outside the 300 s window"),
    ],
)
def test_a_request_without_a_valid_signature_is_refused(post, signature, why):
    body = assert_problem(post(signature), 401)
    assert why in body["detail"]
    assert rmtest.CALLS == []


def test_a_signature_over_another_body_or_path_is_refused(post):
    other_body = post(signing.sign("POST", PATH, b'{"text": "other"}'))
    other_path = post(signing.sign("POST", "/internal/api/rmtest/echo/", BODY))
    for response in (other_body, other_path):
        assert "does not match" in assert_problem(response, 401)["detail"]
    assert rmtest.CALLS == []


def test_a_replay_outside_the_window_is_refused_inside_accepted(post):
    stale = signing.sign("POST", PATH, BODY, now=time.time() - signing.WINDOW_SECONDS - 5)
    assert "window" in assert_problem(post(stale), 401)["detail"]
    early = signing.sign("POST", PATH, BODY, now=time.time() + signing.WINDOW_SECONDS + 5)
    assert "window" in assert_problem(post(early), 401)["detail"]
    assert rmtest.CALLS == []
    recent = signing.sign("POST", PATH, BODY, now=time.time() - 60)
    assert post(recent).status_code == 200


def test_keys_rotate_without_downtime(post, settings):
    settings.SEAMS_INTERNAL_KEYS = [OLD_KEY]
    by_old_key = signing.sign("POST", PATH, BODY)
    settings.SEAMS_INTERNAL_KEYS = [NEW_KEY, OLD_KEY]  # rotation: the new key signs, both verify
    assert post(by_old_key).status_code == 200
    by_new_key = signing.sign("POST", PATH, BODY)
    assert post(by_new_key).status_code == 200
    settings.SEAMS_INTERNAL_KEYS = [NEW_KEY]  # the old key retired
    assert "unknown key" in assert_problem(post(by_old_key), 401)["detail"]
    assert post(by_new_key).status_code == 200
    assert rmtest.CALLS == ["hello", "hello", "hello"]


def test_a_key_from_another_secret_is_unknown(post, settings):
    signature = signing.sign("POST", PATH, BODY)
    settings.SECRET_KEY = "another-secret-key-of-enough-length-0123456789"
    assert "unknown key" in assert_problem(post(signature), 401)["detail"]


def test_the_header_names_the_key_not_the_key_itself(settings):
    settings.SEAMS_INTERNAL_KEYS = [NEW_KEY]
    header = signing.sign("POST", PATH, BODY)
    assert NEW_KEY not in header
    assert header.startswith(f"kid={signing.key_id(NEW_KEY.encode())}, ts=")
