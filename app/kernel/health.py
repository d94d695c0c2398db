"""Liveness and readiness endpoints."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse


def healthz(request):
    """The process is alive and serving."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _redis_ok() -> str | None:
    if not settings.REDIS_URL:
        return None
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def readyz(request):
    """Ready to serve: the database answers and, where configured, Redis does too."""
    failures = {
        name: error
        for name, error in (("database", _database_ok()), ("redis", _redis_ok()))
        if error
    }
    if failures:
        return JsonResponse({"status": "unavailable", "failing": failures}, status=503)
    return JsonResponse({"status": "ok"})
