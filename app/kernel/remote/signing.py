"""Service-to-service authentication: HMAC-SHA256 request signatures.

A request between services carries ``Seams-Signature: kid=<key id>, ts=<unix seconds>,
sig=<hex>``, the HMAC-SHA256 with a shared key of ``METHOD \\n path?query \\n ts \\n body``.
Keys come from ``settings.SEAMS_INTERNAL_KEYS`` (a list): the first signs, every one
verifies, so a key rotates without downtime (add the new key second everywhere, then first,
then drop the old one). A signature older or newer than :data:`WINDOW_SECONDS` is refused;
within the window a captured request can be replayed, which is why remote functions that
change state are idempotent. Without the setting (development, tests, the monolith) one key
is derived from ``SECRET_KEY``; production with more than one service refuses to start
without it (app/settings.py).

Public for every internal channel (module api calls, event delivery between services):
:func:`sign` on the calling side (every channel of :mod:`.channels` signs),
:func:`verify` / :func:`verify_request` on the serving side (and
:func:`app.kernel.remote.server.internal_only` to guard a Django view).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

HEADER = "Seams-Signature"
ENVIRON_KEY = "HTTP_SEAMS_SIGNATURE"  # the header as WSGI names it (environ, request.META)
WINDOW_SECONDS = 300


class SignatureError(Exception):
    """A request whose signature is missing, malformed, unknown, wrong or out of window."""


@lru_cache(maxsize=8)
def _keys(configured: tuple[str, ...], secret_key: str) -> tuple[tuple[str, bytes], ...]:
    raw = configured or (
        hmac.new(secret_key.encode(), b"seams-internal-key", hashlib.sha256).hexdigest(),
    )
    return tuple((key_id(key.encode()), key.encode()) for key in raw)


def keys() -> tuple[tuple[str, bytes], ...]:
    """``(key id, key)`` pairs, the signing key first."""
    return _keys(tuple(settings.SEAMS_INTERNAL_KEYS), settings.SECRET_KEY)


def key_id(key: bytes) -> str:
    """A short public name for a key (a hash: it reveals nothing of the key)."""
    return hashlib.sha256(b"seams-key-id:" + key).hexdigest()[:12]


def _mac(key: bytes, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = b"\n".join((method.upper().encode(), path.encode(), timestamp.encode(), body))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(method: str, path: str, body: bytes, *, now: float | None = None) -> str:
    """The ``Seams-Signature`` header value for a request (``path`` with its query)."""
    kid, key = keys()[0]
    timestamp = str(int(time.time() if now is None else now))
    return f"kid={kid}, ts={timestamp}, sig={_mac(key, method, path, timestamp, body)}"


def verify(method: str, path: str, body: bytes, header: str, *, now: float | None = None) -> None:
    """Raise :class:`SignatureError` unless ``header`` signs this request with a known key,
    within the window (constant-time comparison)."""
    if not header:
        raise SignatureError(f"no {HEADER} header")
    try:
        parts = dict(part.strip().split("=", 1) for part in header.split(","))
        kid, timestamp, signature = parts["kid"], parts["ts"], parts["sig"]
        signed_at = int(timestamp)
    except (KeyError, ValueError):
        raise SignatureError(f"malformed {HEADER} header") from None
    if abs((time.time() if now is None else now) - signed_at) > WINDOW_SECONDS:
        raise SignatureError(f"signature outside the {WINDOW_SECONDS} s window")
    key = next((key for known, key in keys() if hmac.compare_digest(known, kid)), None)
    if key is None:
        raise SignatureError("signed with an unknown key")
    if not hmac.compare_digest(_mac(key, method, path, timestamp, body), signature):
        raise SignatureError("signature does not match")


def verify_request(request: HttpRequest) -> None:
    """:func:`verify` a Django request (raises :class:`SignatureError`)."""
    # META, not request.headers: that would parse every header of every internal call
    verify(
        request.method or "",
        request.get_full_path(),
        request.body,
        request.META.get(ENVIRON_KEY, ""),
    )
