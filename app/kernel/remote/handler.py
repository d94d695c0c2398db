"""The WSGI application of a service: internal calls skip the public middleware stack.

Requests under ``/internal/`` come from other services, signed (:mod:`.signing`), never from
a browser or through the edge. None of the public middleware stack applies to them
(security headers and HTTPS redirects, sessions, CSRF, authentication, messages, static
files), and on this path it cost more than the call itself (docs/benchmarks.md):

- module api calls (``/internal/api/``) go to their own WSGI application,
  :class:`~app.kernel.remote.server.ApiEndpoint`, before Django's request handler (ADR 0022);
- the other internal paths (event deliveries) take :class:`InternalHandler`: Django's request
  handling (URL resolution, the ``request_started``/``request_finished`` signals that
  recycle database connections, ``handler500`` for an unhandled error), a lean server span
  continuing the caller's trace when tracing is on
  (:class:`~app.kernel.observability.django_tracing.InternalTracingMiddleware`, not the
  instrumentation's middleware), and :data:`INTERNAL_MIDDLEWARE`: the request log, which
  binds the caller's request id and trace context and counts the request, and the
  problem-details net for Django's own HTML error pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string

from app.kernel.remote import server

INTERNAL_PREFIX = "/internal/"
TRACING_MIDDLEWARE = "app.kernel.observability.django_tracing.TracingMiddleware"
INTERNAL_TRACING_MIDDLEWARE = "app.kernel.observability.django_tracing.InternalTracingMiddleware"
INTERNAL_MIDDLEWARE = (
    "app.kernel.observability.middleware.RequestLogMiddleware",
    "app.kernel.http.middleware.ProblemDetailsMiddleware",  # Django's HTML errors (DEBUG)
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def internal_middleware() -> tuple[str, ...]:
    """:data:`INTERNAL_MIDDLEWARE`, after the internal tracing middleware where tracing
    installed the public one (the call's server span, continuing the caller's trace)."""
    traced = TRACING_MIDDLEWARE in settings.MIDDLEWARE
    return (*((INTERNAL_TRACING_MIDDLEWARE,) if traced else ()), *INTERNAL_MIDDLEWARE)


class InternalHandler(WSGIHandler):
    """Django's WSGI handler with :data:`INTERNAL_MIDDLEWARE` instead of ``MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        chain = convert_exception_to_response(self._get_response)
        for path in reversed(internal_middleware()):
            chain = convert_exception_to_response(import_string(path)(chain))
        self._middleware_chain = chain

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        """With ``Content-Length`` (as Django's ``CommonMiddleware`` sets on the public path):
        without it gunicorn answers chunked, in more writes, and a kept-alive caller waits
        on TCP acknowledgements for the last one."""
        response = super().get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


class ServiceApplication:
    """``/internal/api/…`` to :class:`~app.kernel.remote.server.ApiEndpoint`, the rest of
    ``/internal/…`` to :class:`InternalHandler`, every other path to ``public``."""

    def __init__(self, public: WSGIApp) -> None:
        self.public = public
        self.internal = InternalHandler()
        self.api = server.ApiEndpoint()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(INTERNAL_PREFIX):
            return self.public(environ, start_response)
        api = path.startswith(server.PREFIX)
        return (self.api if api else self.internal)(environ, start_response)
