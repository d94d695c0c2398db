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


def _redis_ok(url: str) -> str | None:
    if not url:
        return None
    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def readyz(request):
    """Ready to serve: the database answers and, where configured, the broker's Redis
    database (``redis``) and the cache's (``cache``) do too."""
    checks = (
        ("database", _database_ok()),
        ("redis", _redis_ok(settings.REDIS_URL)),
        ("cache", _redis_ok(settings.CACHE_URL)),
    )
    failures = {name: error for name, error in checks if error}
    if failures:
        return JsonResponse({"status": "unavailable", "failing": failures}, status=503)
    return JsonResponse({"status": "ok"})
