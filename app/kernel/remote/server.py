"""The internal endpoint: ``POST /internal/api/<module>/<function>/`` runs a hosted
module's api function for another service.

- signed requests only: 401 otherwise, and nothing runs; never routed from the edge, never
  in the OpenAPI schema;
- 404 for a module this process does not host or a name that is not an ``@module_api``
  function; 405 for another method; 400 for arguments that do not fit the signature (or a
  malformed ``Content-Length``); 413 for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
- the local implementation runs as the callee module (never re-dispatched remotely);
- 200 ``{"value": ...}``, or 200 ``{"error": {"type", "message"}}`` for a typed error of the
  module's ``api.py``: the call completed and its outcome is a domain error (status codes
  stay for transport-level outcomes, which the breaker counts);
- 500 problem (logged with its traceback) for any other exception or a result that does
  not fit the declared return type.

:class:`ApiEndpoint` serves it as a WSGI application of its own, which the service's
application (:class:`~app.kernel.remote.handler.ServiceApplication`) routes the path to:
not a Django view behind Django's request handler, which cost more than a third of the
server's CPU on a loopback call (ADR 0022). It keeps what that path gave a call: Django's
``request_started`` and ``request_finished`` signals (database connections recycled, the
embedded dispatcher started), the caller's request id bound for the call and echoed, the
request log line and HTTP metrics (:func:`~app.kernel.observability.middleware.
record_request`), a server span in the caller's trace, and a problem for anything unhandled.

:func:`internal_only` guards the Django views other services call (event deliveries).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus
from typing import Any

import structlog
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError

from app.kernel.http.problems import (
    NOT_FOUND,
    PROBLEM_CONTENT_TYPE,
    SERVER_ERROR,
    problem,
    problem_response,
)
from app.kernel.modules import submodule
from app.kernel.observability.metrics import UNMATCHED_ROUTE
from app.kernel.observability.middleware import record_request, request_id_of
from app.kernel.observability.tracing import ServerSpan, Untraced, server_span
from app.kernel.ownership import acting_as
from app.kernel.remote.binding import ApiFunction, function_named
from app.kernel.remote.errors import ApiContractError
from app.kernel.remote.signing import ENVIRON_KEY, SignatureError, verify, verify_request
from app.kernel.topology import is_hosted

log = structlog.get_logger("seams.remote")

PREFIX = "/internal/api/"
ROUTE = "internal/api/<str:module>/<str:function>/"  # its metrics' and its span's route
_PATH = re.compile(r"/internal/api/(?P<module>\w+)/(?P<function>\w+)/", re.ASCII)
JSON = "application/json"


def internal_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Guard a Django view serving other services (any internal channel): signed requests
    only, else a 401 problem and the view does not run; no CSRF (not browser requests)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            verify_request(request)
        except SignatureError as exc:
            return problem_response(request, 401, **_unsigned(exc))
        return view(request, *args, **kwargs)

    return csrf_exempt(guarded)


def _unsigned(exc: SignatureError) -> dict[str, str]:
    return {
        "code": "not-authenticated",
        "title": "Authentication failed.",
        "detail": f"Internal endpoint: {exc}.",
    }


def hosted_function(module: str, name: str) -> ApiFunction | None:
    """The ``@module_api`` function ``name`` of ``modules.<module>.api``, if this process
    hosts ``module``."""
    if not is_hosted(module):
        return None
    package = f"modules.{module}"
    if package in settings.SEAMS_MODULES:
        submodule(package, "api")
    return function_named(module, name)


@dataclass
class Answer:
    """A response of the endpoint: ``module`` is the callee's, once the function is found."""

    status: int
    body: bytes
    content_type: str = JSON
    module: str | None = None
    allow: str | None = None


def _problem(path: str, status: int, **fields: Any) -> Answer:
    body = json.dumps(problem(status, instance=path, **fields), separators=(",", ":"))
    return Answer(status, body.encode(), PROBLEM_CONTENT_TYPE)


class ApiEndpoint:
    """The WSGI application of ``/internal/api/<module>/<function>/``."""

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request_started.send(sender=self.__class__, environ=environ)
        try:
            answer, request_id = self._served(environ)
        finally:
            request_finished.send(sender=self.__class__)
        headers = [
            ("Content-Type", answer.content_type),
            ("Content-Length", str(len(answer.body))),  # one write, no chunking
            ("X-Request-ID", request_id),
        ]
        if answer.allow:
            headers.append(("Allow", answer.allow))
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", headers)
        return [answer.body]

    def _served(self, environ: dict[str, Any]) -> tuple[Answer, str]:
        """The answer, under the caller's request id, counted, logged and traced."""
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        matched = _PATH.fullmatch(path)
        route = ROUTE if matched else None
        request_id = request_id_of(environ)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            span = server_span(method, path, environ)
            with span:
                try:
                    answer = (
                        self._answer(method, path, matched, environ, span)
                        if matched
                        else _problem(path, 404, **NOT_FOUND, detail="No such resource.")
                    )
                except Exception:
                    log.exception("internal endpoint failed", path=path)
                    answer = _problem(path, 500, **SERVER_ERROR)
                span.answered(route, answer.status)
            seconds = time.perf_counter() - started
            record_request(
                method, path, route or UNMATCHED_ROUTE, answer.status, seconds, answer.module
            )
        finally:
            structlog.contextvars.clear_contextvars()
        return answer, request_id

    def _answer(
        self,
        method: str,
        path: str,
        matched: re.Match[str],
        environ: dict[str, Any],
        span: ServerSpan | Untraced,
    ) -> Answer:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _problem(path, 400, code="malformed-request", detail="Bad Content-Length.")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _problem(path, 413, code="payload-too-large", detail=f"Over {limit} bytes.")
        body = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        signed_path = f"{path}?{query}" if query else path
        try:
            verify(method, signed_path, body, environ.get(ENVIRON_KEY, ""))
        except SignatureError as exc:
            return _problem(path, 401, **_unsigned(exc))
        if method != "POST":
            answer = _problem(path, 405, code="method-not-allowed")
            answer.allow = "POST"
            return answer
        module, name = matched["module"], matched["function"]
        target = hosted_function(module, name)
        if target is None:
            detail = f"No api function {module}.{name} is hosted here."
            return _problem(path, 404, **NOT_FOUND, detail=detail)
        span.entered(module, name)
        answer = self._call(path, target, body)
        answer.module = module
        return answer

    def _call(self, path: str, target: ApiFunction, body: bytes) -> Answer:
        codec = target.codec
        try:
            kwargs = codec.decode_args(body)
        except ValidationError as exc:
            errors: dict[str, list[str]] = {}
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or "non_field_errors"
                errors.setdefault(field, []).append(error["msg"])
            return _problem(
                path,
                400,
                code="validation-error",
                title="Your request is not valid.",
                detail=f"Invalid arguments for {target.qualname}.",
                errors=errors,
            )
        with acting_as(target.module):
            try:
                value = target.body(**kwargs)
            except Exception as exc:
                if not codec.is_typed_error(exc):
                    log.exception("remote call raised", function=target.qualname)
                    return _problem(path, 500, **SERVER_ERROR)
                return Answer(200, codec.encode_error(exc))
        try:
            return Answer(200, codec.encode_value(value))
        except ApiContractError:
            log.exception(
                "remote call returned a value that cannot cross", function=target.qualname
            )
            return _problem(path, 500, **SERVER_ERROR)
