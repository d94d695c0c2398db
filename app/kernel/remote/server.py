"""The internal endpoint: ``POST /internal/api/<module>/<function>/`` runs a hosted
module's api function for another service.

- signed requests only (:func:`internal_only`): 401 otherwise,
  and nothing runs; no CSRF; a plain Django view, so never in the OpenAPI schema;
- 404 for a module this process does not host or a name that is not an ``@module_api``
  function; 405 for another method; 400 for arguments that do not fit the signature;
- the local implementation runs as the callee module (never re-dispatched remotely);
- 200 ``{"value": ...}``, or 200 ``{"error": {"type", "message"}}`` for a typed error of the
  module's ``api.py``: the call completed and its outcome is a domain error (status codes
  stay for transport-level outcomes, which the breaker counts);
- 500 problem (logged with its traceback) for any other exception or a result that does
  not fit the declared return type.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError

from app.kernel.http.problems import problem_response, server_error
from app.kernel.modules import submodule
from app.kernel.observability.tracing import module_span
from app.kernel.ownership import acting_as
from app.kernel.remote.binding import ApiFunction, function_named
from app.kernel.remote.errors import ApiContractError
from app.kernel.remote.signing import SignatureError, verify_request
from app.kernel.topology import is_hosted

log = structlog.get_logger("seams.remote")


def internal_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Guard a Django view serving other services (any internal channel): signed requests
    only, else a 401 problem and the view does not run; no CSRF (not browser requests)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            verify_request(request)
        except SignatureError as exc:
            return problem_response(
                request,
                401,
                code="not-authenticated",
                title="Authentication failed.",
                detail=f"Internal endpoint: {exc}.",
            )
        return view(request, *args, **kwargs)

    return csrf_exempt(guarded)


def hosted_function(module: str, name: str) -> ApiFunction | None:
    """The ``@module_api`` function ``name`` of ``modules.<module>.api``, if this process
    hosts ``module``."""
    if not is_hosted(module):
        return None
    package = f"modules.{module}"
    if package in settings.SEAMS_MODULES:
        submodule(package, "api")
    return function_named(module, name)


@internal_only
def call_view(request: HttpRequest, module: str, function: str) -> HttpResponse:
    if request.method != "POST":
        response = problem_response(request, 405, code="method-not-allowed")
        response["Allow"] = "POST"
        return response
    target = hosted_function(module, function)
    if target is None:
        return problem_response(
            request,
            404,
            code="not-found",
            title="Not found.",
            detail=f"No api function {module}.{function} is hosted here.",
        )
    codec = target.codec
    try:
        kwargs = codec.decode_args(request.body)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "non_field_errors"
            errors.setdefault(field, []).append(error["msg"])
        return problem_response(
            request,
            400,
            code="validation-error",
            title="Your request is not valid.",
            detail=f"Invalid arguments for {target.qualname}.",
            errors=errors,
        )
    with acting_as(module), module_span(module, "api", function, "remote"):
        try:
            value = target.body(**kwargs)
        except Exception as exc:
            if not codec.is_typed_error(exc):
                log.exception("remote call raised", function=target.qualname)
                return server_error(request)
            return HttpResponse(codec.encode_error(exc), content_type="application/json")
    try:
        body = codec.encode_value(value)
    except ApiContractError:
        log.exception("remote call returned a value that cannot cross", function=target.qualname)
        return server_error(request)
    return HttpResponse(body, content_type="application/json")
