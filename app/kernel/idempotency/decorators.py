"""The ``@idempotent`` decorator for DRF view methods; semantics in the package docstring."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from app.kernel.http.problems import Conflict, UnprocessableEntity
from app.kernel.idempotency.models import IdempotencyRecord
from app.kernel.topology import atomic_on, create_unless_taken

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_INSERT_ATTEMPTS = 5

Scope = Callable[[Request], str]


def default_scope(request: Request) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        return f"customer:{user.pk}"
    return "anon"


def ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "SEAMS_IDEMPOTENCY_TTL_HOURS", 24)))


def lock_timeout() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "SEAMS_IDEMPOTENCY_LOCK_SECONDS", 60)))


def check_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise ValidationError({HEADER: [f"Must be 1-{MAX_KEY_LENGTH} printable ASCII characters."]})
    return key


def fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    raw = f"{request.method}\n{request.path}\n{body}".encode()
    return hashlib.sha256(raw).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(scope: str, key: str, digest: str, request: Request) -> IdempotencyRecord | Response:
    """Insert the in-flight row (ours), or answer from the row someone else holds.

    The insert is one statement, committed on its own (no transaction is open around a
    view): concurrent requests with the key see it at once."""
    for _ in range(_INSERT_ATTEMPTS):
        claimed = create_unless_taken(
            IdempotencyRecord,
            scope=scope,
            key=key,
            fingerprint=digest,
            method=request.method,
            path=request.path[:500],
        )
        if claimed is not None:
            return claimed
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:  # released or pruned meanwhile: try again
            continue
        now = timezone.now()
        if existing.created_at < now - ttl():  # expired, not yet pruned: a new request
            IdempotencyRecord.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        if existing.fingerprint != digest:
            raise UnprocessableEntity(
                f"This {HEADER} was used with a different request; use a new key."
            )
        if existing.state == IdempotencyRecord.State.DONE:
            return _replay(existing)
        stale = now - lock_timeout()
        if existing.started_at < stale and IdempotencyRecord.objects.filter(
            pk=existing.pk, state=IdempotencyRecord.State.IN_FLIGHT, started_at__lt=stale
        ).update(started_at=now):
            existing.started_at = now
            return existing  # taken over: its first holder died and its work rolled back
        conflict = Conflict(f"A request with this {HEADER} is still in flight; retry shortly.")
        conflict.wait = 1  # type: ignore[attr-defined]  (DRF sends it as Retry-After)
        raise conflict
    raise Conflict(f"A request with this {HEADER} keeps changing state; retry shortly.")


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.State.IN_FLIGHT).delete()


def idempotent(method: Callable | None = None, *, scope: Scope = default_scope) -> Callable:
    """Decorate a DRF view method so it honours ``Idempotency-Key`` (see package docs)."""

    def decorate(view_method: Callable) -> Callable:
        @functools.wraps(view_method)
        def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            raw_key = request.headers.get(HEADER)
            if raw_key is None:
                return view_method(view, request, *args, **kwargs)
            key = check_key(raw_key)
            claimed = _claim(scope(request), key, fingerprint(request), request)
            if isinstance(claimed, Response):
                return claimed
            record = claimed
            try:
                with atomic_on(IdempotencyRecord):
                    response = view_method(view, request, *args, **kwargs)
                    if 200 <= response.status_code < 400:
                        body = json.loads(JSONRenderer().render(response.data) or b"null")
                        done = IdempotencyRecord.objects.filter(
                            pk=record.pk, state=IdempotencyRecord.State.IN_FLIGHT
                        ).update(
                            state=IdempotencyRecord.State.DONE,
                            response_status=response.status_code,
                            response_body=body,
                            completed_at=timezone.now(),
                        )
                        if not done:  # our row vanished (pruned): do not commit unrecorded work
                            raise Conflict(f"The {HEADER} record was lost; retry.")
            except BaseException:
                _release(record)
                raise
            if response.status_code >= 400:
                _release(record)
            return response

        wrapper.idempotent = True  # type: ignore[attr-defined]
        return wrapper

    return decorate(method) if method is not None else decorate
