"""Middleware of the API edge.

:class:`CommonMiddleware` is Django's, minus the slash redirect for writes (see its docstring).

:class:`ProblemDetailsMiddleware` is the safety net for errors rendered outside DRF and
outside Django's ``handler*`` views. With ``DEBUG`` on (``make run``), Django answers an
unknown URL or an unhandled exception with its HTML debug pages instead of
``handler404``/``handler500``; this middleware turns any HTML error response into
``application/problem+json`` so API clients see the same contract in every profile. The admin
and static files keep their HTML.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware import common

from app.kernel.http.problems import problem_response

_CODES = {
    400: ("bad-request", "Bad request."),
    403: ("permission-denied", "You may not do this."),
    404: ("not-found", "Not found."),
    405: ("method-not-allowed", "Method not allowed."),
    500: ("server-error", "Internal server error."),
}


class ProblemDetailsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            return response
        if request.path.startswith(("/admin/", "/" + settings.STATIC_URL.lstrip("/"))):
            return response
        code, title = _CODES.get(response.status_code, (None, None))
        detail = (
            "An unexpected error occurred; it has been logged." if code == "server-error" else None
        )
        problem = problem_response(
            request, response.status_code, code=code, title=title, detail=detail or title
        )
        # Django logs each error response once; the replacement inherits "already logged"
        problem._has_been_logged = getattr(response, "_has_been_logged", False)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                problem[header] = response[header]
        return problem


class CommonMiddleware(common.CommonMiddleware):
    """Django's ``CommonMiddleware``, but ``APPEND_SLASH`` redirects only ``GET`` and ``HEAD``.

    A redirect cannot carry a ``POST`` body: Django raises ``RuntimeError`` (a 500) with
    ``DEBUG`` on, and with it off answers 301, which clients follow with a body-less ``GET``
    (``POST /api/v1/orders`` would list the orders instead of placing one). A write to a path
    missing its slash is a 404 problem whose detail names the path with the slash.
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return request.method in ("GET", "HEAD") and super().should_redirect_with_slash(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        write_missing_its_slash = (
            response.status_code == 404
            and request.method not in ("GET", "HEAD")
            and common.CommonMiddleware.should_redirect_with_slash(self, request)
        )
        if write_missing_its_slash:
            return problem_response(
                request,
                404,
                code="not-found",
                title="Not found.",
                detail=f"No such resource: paths end with a slash ({request.path}/).",
            )
        return super().process_response(request, response)
