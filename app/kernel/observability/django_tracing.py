"""Server spans of Django requests.

- :class:`TracingMiddleware` (the public stack): the Django instrumentation's middleware,
  minus one failure: it builds the request's absolute URL (``get_host()``) first, so a
  request whose ``Host`` is not allowed ended as a 400 there, before the health probes
  (which answer any host: load balancers and kubelets probe by address) could answer. Such
  a request goes on untraced.
- :class:`InternalTracingMiddleware` (calls from other services): a lean server span.

Leans on the instrumentation's middleware class (``_DjangoMiddleware``, not public API);
``tests/app/test_health.py`` (probes by any host) fails the day it changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.django.middleware.otel_middleware import _DjangoMiddleware

from app.kernel.observability.tracing import server_span

PATH = f"{__name__}.TracingMiddleware"
INTERNAL_PATH = f"{__name__}.InternalTracingMiddleware"


class TracingMiddleware(_DjangoMiddleware):
    def __call__(self, request: Any) -> Any:
        try:
            request.get_host()
        except DisallowedHost:
            return self.get_response(request)
        return super().__call__(request)


def instrument() -> None:
    """Instrument Django, with :class:`TracingMiddleware` where the instrumentation put its
    own middleware (first)."""
    DjangoInstrumentor().instrument()
    original = DjangoInstrumentor._opentelemetry_middleware
    settings.MIDDLEWARE = [PATH if entry == original else entry for entry in settings.MIDDLEWARE]


class InternalTracingMiddleware:
    """The server span (:class:`~app.kernel.observability.tracing.ServerSpan`) of a call
    from another service to a Django view under ``/internal/`` (event deliveries), named
    ``POST <route>``, continuing the caller's trace."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        span = server_span(request.method or "", request.path, request.META)
        with span:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            span.answered(match.route if match is not None else None, response.status_code)
            return response
