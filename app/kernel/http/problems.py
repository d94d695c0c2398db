"""RFC 9457 problem details (``application/problem+json``) for every error the API returns.

Body members: ``type`` (a URN naming the problem, ``urn:seams:problem:<code>``), ``title``
(short, fixed per type), ``status``, ``detail`` (this occurrence), ``instance`` (the request
path) and, for validation failures, ``errors``: ``{"field": ["message", ...]}`` where nested
fields are dotted (``items.0.quantity``) and errors not tied to one field are under
``non_field_errors``. 429 responses carry ``Retry-After``; 405 carry ``Allow``.

Wired in two places:

- ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "app.kernel.http.problems.exception_handler"``
  for DRF views (validation, parse errors, 401/403/404/405/406/415/429, ``Http404``).
- ``handler400/403/404/500`` in ``app/urls.py`` for everything outside DRF (unknown URLs,
  CSRF failures, unhandled exceptions), so no client ever gets an HTML error page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("seams.http")

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:seams:problem:"

# DRF exception class -> (problem code, title). Anything else uses the HTTP reason phrase.
_TITLES: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.ValidationError: ("validation-error", "Your request is not valid."),
    exceptions.ParseError: ("malformed-request", "The request body could not be parsed."),
    exceptions.NotAuthenticated: ("not-authenticated", "Authentication is required."),
    exceptions.AuthenticationFailed: ("authentication-failed", "Authentication failed."),
    exceptions.PermissionDenied: ("permission-denied", "You may not do this."),
    exceptions.NotFound: ("not-found", "Not found."),
    exceptions.MethodNotAllowed: ("method-not-allowed", "Method not allowed."),
    exceptions.NotAcceptable: ("not-acceptable", "Cannot produce an acceptable response."),
    exceptions.UnsupportedMediaType: ("unsupported-media-type", "Unsupported media type."),
    exceptions.Throttled: ("throttled", "Too many requests."),
}


class Conflict(exceptions.APIException):
    """409: the request conflicts with the current state (e.g. a duplicate still in flight)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class UnprocessableEntity(exceptions.APIException):
    """422: well-formed, but cannot be processed (e.g. an Idempotency-Key reused)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    """413: the body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (a client error, not an attack)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload-too-large"


_TITLES[Conflict] = ("conflict", "Conflict.")
_TITLES[UnprocessableEntity] = ("unprocessable", "Unprocessable request.")
_TITLES[PayloadTooLarge] = ("payload-too-large", "The request body is too large.")


def problem_type(code: str) -> str:
    return f"{TYPE_PREFIX}{code}"


def problem(
    status_code: int,
    *,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The problem-details body for ``status_code`` (defaults from the HTTP reason phrase)."""
    phrase = HTTPStatus(status_code).phrase
    body: dict[str, Any] = {
        "type": problem_type(code or phrase.lower().replace(" ", "-").replace("'", "")),
        "title": title or f"{phrase}.",
        "status": status_code,
        "detail": detail or title or f"{phrase}.",
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = dict(errors)
    return body


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as ``{"dotted.field": [messages]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list | tuple):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list | tuple):
                if item:  # ListSerializer reports {} for the valid children
                    name = f"{prefix}.{index}" if prefix else str(index)
                    for field, messages in flatten_errors(item, name).items():
                        out.setdefault(field, []).extend(messages)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(item))
    elif detail is not None:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def _title_for(exc: exceptions.APIException) -> tuple[str, str]:
    for klass in type(exc).__mro__:
        if klass in _TITLES:
            return _TITLES[klass]
    phrase = HTTPStatus(exc.status_code).phrase
    return phrase.lower().replace(" ", "-"), f"{phrase}."


def _detail_text(detail: Any) -> str:
    if isinstance(detail, Mapping):  # e.g. simplejwt's {"detail": ..., "code": ..., ...}
        return str(detail.get("detail", ""))
    if isinstance(detail, list | tuple) and len(detail) == 1:
        return str(detail[0])
    if isinstance(detail, str):
        return detail
    return ""


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every API error becomes ``application/problem+json``.

    Unexpected exceptions return ``None`` so Django's ``handler500`` (also problem+json)
    logs and answers them.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django would log it as a security error
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        logger.warning(
            "request body over DATA_UPLOAD_MAX_MEMORY_SIZE (%s bytes): %s bytes",
            limit,
            context["request"].META.get("CONTENT_LENGTH"),
        )
        exc = PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    code, title = _title_for(exc)
    request = context.get("request")
    instance = request.path if request is not None else None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        if set(errors) == {"non_field_errors"} and len(errors["non_field_errors"]) == 1:
            detail = errors["non_field_errors"][0]
        else:
            fields = ", ".join(sorted(errors))
            detail = f"Invalid input: {fields}." if fields else "Invalid input."
        body = problem(
            response.status_code,
            code=code,
            title=title,
            detail=detail,
            instance=instance,
            errors=errors,
        )
    else:
        detail = _detail_text(exc.detail)
        if isinstance(exc, exceptions.ParseError) and not detail:
            detail = "Malformed request body."
        body = problem(response.status_code, code=code, title=title, detail=detail or title)
        if instance:
            body["instance"] = instance
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["retry_after"] = int(response.headers.get("Retry-After", 1))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(request: HttpRequest, status_code: int, **kwargs: Any) -> JsonResponse:
    """A plain Django ``JsonResponse`` carrying a problem (for non-DRF code paths)."""
    body = problem(status_code, instance=request.path, **kwargs)
    return JsonResponse(
        body,
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"separators": (",", ":")},  # compact, as DRF renders its problems
    )


# Django-level handlers (``handler400`` ... ``handler500`` in app/urls.py). They only run
# with DEBUG off, which is how tests and production run.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 400, code="bad-request", detail="Bad request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(
        request, 403, code="permission-denied", title="You may not do this.", detail="Forbidden."
    )


NOT_FOUND = {"code": "not-found", "title": "Not found."}  # with a detail of its own


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 404, **NOT_FOUND, detail="No such resource.")


# The problem of an unhandled exception, wherever it is answered.
SERVER_ERROR = {
    "code": "server-error",
    "title": "Internal server error.",
    "detail": "An unexpected error occurred; it has been logged.",
}


def server_error(request: HttpRequest) -> JsonResponse:
    return problem_response(request, 500, **SERVER_ERROR)
