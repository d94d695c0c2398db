"""``GET /metrics``: the web role's Prometheus exposition (docs/observability.md)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.kernel.observability.exposition import process_registry
from app.kernel.observability.outbox_collector import OutboxCollector


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
    registry = process_registry(OutboxCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
