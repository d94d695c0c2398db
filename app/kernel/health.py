"""Liveness and readiness endpoints, answered whatever the ``Host`` header.

``/readyz/`` names the dependency that is not ready and nothing more: it is public, so the
exception (driver messages carry host names, ports, user names) goes to the log (logger
``seams.health``), not into the body.

Probes (a compose health check, a Kubernetes kubelet) address the container by its IP or
``127.0.0.1``, not by a name in ``ALLOWED_HOSTS``. :class:`HealthProbeMiddleware` answers
``GET``/``HEAD`` on exactly these two paths before anything reads the ``Host`` header
(``CommonMiddleware``, CSRF, the SSL redirect); every other path still gets Django's 400 for
a host it does not serve.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import resolve

logger = logging.getLogger("seams.health")


def healthz(request):
    """The process is alive and serving."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
    return True


def _redis_ok(url: str) -> bool:
    if url:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    return True


def _ready(name: str, check: Callable[[], bool]) -> bool:
    try:
        return check()
    except Exception:  # any driver error means "not ready"; the detail is for operators
        logger.warning("readiness check failed: %s", name, exc_info=True)
        return False


def readyz(request):
    """Ready to serve: the database answers and, where configured, the broker's Redis
    database (``redis``) and the cache's (``cache``) do too. Anonymous callers learn only
    the names of what fails; the errors go to the log."""
    checks = (
        ("database", _database_ok),
        ("redis", lambda: _redis_ok(settings.REDIS_URL)),
        ("cache", lambda: _redis_ok(settings.CACHE_URL)),
    )
    failing = [name for name, check in checks if not _ready(name, check)]
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok"})


PROBE_PATHS = frozenset({"/healthz/", "/readyz/"})  # routed to the views above in app/urls.py


class HealthProbeMiddleware:
    """Answer the probe paths before any middleware validates ``Host`` (see module docstring).

    Place it right after the request-log middleware, so probes are still logged and counted.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBE_PATHS and request.method in ("GET", "HEAD"):
            request.resolver_match = match = resolve(request.path_info)  # route for metrics
            return match.func(request)
        return self.get_response(request)
