"""Safety net for errors rendered outside DRF and outside Django's ``handler*`` views.

With ``DEBUG`` on (``make run``), Django answers an unknown URL or an unhandled exception with
its HTML debug pages instead of ``handler404``/``handler500``. This middleware turns any HTML
error response into ``application/problem+json`` so API clients see the same contract in every
profile. The admin and static files keep their HTML.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
