"""Prometheus metrics: request counter and latency histogram, served at ``GET /metrics``.

Under gunicorn every worker is a process of its own, so prometheus-client runs in
multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` names a directory the workers write their
samples to (``app/gunicorn_conf.py`` sets it, wipes it when the master starts and marks
dead workers), and ``/metrics`` aggregates the directory. Without the variable (runserver,
tests) the process's own registry is served.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter(
    "seams_http_requests",
    "HTTP requests answered, by method, route pattern and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "seams_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route pattern and status code.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

UNMATCHED_ROUTE = "<unmatched>"


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (``api/v1/orders/<int:pk>/``), never the raw path.

    Raw paths would give every id its own time series.
    """
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED_ROUTE


def observe_request(request: HttpRequest, status: int, seconds: float) -> None:
    labels = {"method": request.method or "", "route": route_of(request), "status": str(status)}
    HTTP_REQUESTS.labels(**labels).inc()
    HTTP_REQUEST_DURATION.labels(**labels).observe(seconds)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition. With ``METRICS_TOKEN`` set, a matching bearer is required."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse(
                "metrics need the operator token\n", status=401, content_type="text/plain"
            )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
