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
from opentelemetry.semconv.attributes.http_attributes import (
    HTTP_REQUEST_METHOD,
    HTTP_RESPONSE_STATUS_CODE,
    HTTP_ROUTE,
)
from opentelemetry.semconv.attributes.url_attributes import URL_PATH
from opentelemetry.trace import SpanKind, StatusCode

from app.kernel.observability.tracing import CurrentSpan, context_of_request

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
    """The server span of a call from another service (``/internal/``), continuing the
    caller's W3C trace context: the span the Django instrumentation's middleware would make,
    named ``POST <route>``, with the method, path, route and status, and nothing else.

    The instrumentation's middleware collects every request attribute (headers, URL, client,
    server) on each request; on an internal call that cost more CPU than Django's request
    handling and the call's own work together (docs/benchmarks.md, ADR 0006).
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        method = request.method or ""
        with CurrentSpan(
            method,
            {HTTP_REQUEST_METHOD: method, URL_PATH: request.path},
            kind=SpanKind.SERVER,
            context=context_of_request(request.META),
        ) as span:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            if match is not None and match.route:
                span.update_name(f"{method} {match.route}")
                span.set_attribute(HTTP_ROUTE, match.route)
            span.set_attribute(HTTP_RESPONSE_STATUS_CODE, response.status_code)
            if response.status_code >= 500:
                span.set_status(StatusCode.ERROR)
            return response
