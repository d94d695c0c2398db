"""One line and one metric sample per request, with a request id bound for everything logged.

Put first in ``MIDDLEWARE`` so that every response, redirects and static files included, is
logged and counted exactly once. The request's span is the Django instrumentation's (it runs
before this one, accepting a W3C ``traceparent`` or starting a trace); this middleware names
the module whose view answered on it.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from django.utils.functional import LazyObject
from opentelemetry import trace

from app.kernel.modules import module_of
from app.kernel.observability.metrics import observe_request, route_of
from app.kernel.observability.tracing import MODULE

log = structlog.get_logger("seams.request")

# A client may send its own X-Request-ID (for tracing across services); anything that is not
# a short token is replaced, so that a header cannot forge or break log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_of(environ: Mapping[str, Any]) -> str:
    """The request id a request's ``environ`` (``request.META``) carries, else a new one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")  # not request.headers: it parses them all
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def module_of_view(request) -> str | None:
    """The module whose view answered, from the resolved view's Python module."""
    match = getattr(request, "resolver_match", None)
    func = getattr(match, "func", None)
    view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    return module_of(getattr(view_class or func, "__module__", "") or "")


def user_id_of(request) -> int | str | None:
    """The authenticated user's id, if a view authenticated one (DRF's JWT sets ``user``).

    Django's own lazy user is left alone: evaluating it would cost a session query.
    """
    user = getattr(request, "user", None)
    if user is None or isinstance(user, LazyObject) or not user.is_authenticated:
        return None
    return getattr(user, "id", None)


def record_request(
    method: str,
    path: str,
    route: str,
    status: int,
    seconds: float,
    module: str | None,
    user_id: int | str | None = None,
) -> None:
    """Count and time one request (``seams_http_*``) and log its ``request`` line: for
    Django's request path (:class:`RequestLogMiddleware`) and for the internal api endpoint
    (:class:`~app.kernel.remote.server.ApiEndpoint`), which Django's handler does not run."""
    observe_request(method, route, status, seconds, module)
    fields: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
    }
    if module:
        fields["module"] = module
    if user_id is not None:
        fields["user_id"] = user_id
    log.info("request", **fields)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request.META)
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            module = module_of_view(request)
            if module:
                trace.get_current_span().set_attribute(MODULE, module)
            record_request(
                request.method or "",
                request.path,
                route_of(request),
                response.status_code,
                seconds,
                module,
                user_id_of(request),
            )
            return response
        finally:
            structlog.contextvars.clear_contextvars()
