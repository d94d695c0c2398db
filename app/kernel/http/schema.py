"""OpenAPI helpers: the schema says what the server does, problems included.

Usage in a view::

    from app.kernel.http.schema import problem_responses

    @extend_schema(responses={201: OrderSerializer, **problem_responses(400, 401, 409, 422)})
    def post(self, request): ...

Each status maps to ``application/problem+json`` with the :class:`ProblemSerializer` shape.
The postprocessing hook :func:`add_problem_responses` (``SPECTACULAR_SETTINGS``) adds the
problems every endpoint can produce (401, 404, 400/413/415, 429) to every operation, so a view
only declares its own (403, 409, 422...).

:class:`AutoSchema` (``DEFAULT_SCHEMA_CLASS``) adds what drf-spectacular cannot read off our
classes: an anonymous alternative (``security: [..., {}]``) where every permission of the view
lets anonymous callers use the method (``AllowAny``, or a kernel permission whose
``anonymous_methods`` holds it), and ``additionalProperties: false`` on the request body of a
``StrictSerializer``, ``minItems``/``maxItems`` on a nested list serializer's bounds, and on
a request money field (``format: decimal`` with ``min_value`` 0.01 and a ``max_value``, which
may be a callable reading a setting) the exact :func:`positive_money_pattern`.
"""

from __future__ import annotations

from decimal import Decimal
from http import HTTPStatus
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_override
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from app.kernel.http.parsing import StrictFieldsMixin
from app.kernel.http.problems import PROBLEM_CONTENT_TYPE
from app.kernel.modules import module_of

CENT = Decimal("0.01")


def _money_bounds(field: Any) -> dict:
    minimum, maximum = getattr(field, "min_value", None), getattr(field, "max_value", None)
    maximum = maximum() if callable(maximum) else maximum
    if minimum is None or Decimal(minimum) != CENT or maximum is None:
        return {}
    return {"pattern": positive_money_pattern(Decimal(maximum))}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus anonymous access and strict request bodies."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if {} not in auths and all(
            isinstance(permission, AllowAny)
            or self.method in getattr(permission, "anonymous_methods", ())
            for permission in self.view.get_permissions()
        ):
            auths.append({})
        return auths

    # The two methods below are drf-spectacular's mapping steps, not public API:
    # tests/kernel/http/test_openapi_contract.py fails if they stop being called.

    def _map_serializer_field(self, field: Any, direction: str, **kwargs: Any) -> dict:
        schema = super()._map_serializer_field(field, direction, **kwargs)
        if direction == "request" and schema.get("format") == "decimal":
            schema.update(_money_bounds(field))
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            if field.min_length is not None or not field.allow_empty:
                schema["minItems"] = field.min_length or 1
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def get_tags(self) -> list[str]:
        """The module that serves the view (``/api/v1/orders/`` → ``orders``), so Swagger UI
        groups operations per module; views outside ``modules`` keep drf-spectacular's."""
        module = module_of(type(self.view).__module__)
        return [module] if module else super().get_tags()

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict:
        schema = super()._map_basic_serializer(serializer, direction)
        if not vars(type(serializer)).get("__doc__") and not get_override(
            serializer, "description"
        ):
            # drf-spectacular falls back to a base class's docstring, which describes the
            # base ("A Serializer that rejects unknown fields"), not this body
            schema.pop("description", None)
        if direction == "request" and isinstance(serializer, StrictFieldsMixin):
            schema["additionalProperties"] = False
        return schema


def positive_money_pattern(maximum: Decimal) -> str:
    """A pattern for the plain decimal strings from 0.01 to ``maximum`` with at most two
    places (``"12.50"``, ``"0.5"``, ``"7"``; leading zeros allowed, as ``[0-9]+`` does). Exact
    when ``maximum`` is a power of ten (1000.00, 1000000.00); otherwise it bounds the number
    of digits only (the field's help text states the maximum)."""
    whole = int(maximum)
    digits, top = len(str(whole)), ""
    if maximum == whole > 1 and str(whole).rstrip("0") == "1":
        digits, top = digits - 1, f"|{whole}(\\.00?)?"
    return f"^0*([1-9][0-9]{{0,{digits - 1}}}(\\.[0-9]{{1,2}})?{top}|0\\.(0[1-9]|[1-9][0-9]?))$"


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="URN naming the problem: urn:seams:problem:<code>")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False, help_text="The request path.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Validation failures: {"field": ["message"]}; nested fields are dotted.',
    )

    class Meta:
        ref_name = "Problem"


_DESCRIPTIONS = {
    400: "Invalid input (malformed JSON, wrong types, unknown or missing fields).",
    401: "Missing, invalid or expired access token.",
    403: "Authenticated, but not allowed (e.g. staff only).",
    404: "No such object, or not yours.",
    405: "Method not allowed.",
    409: "Conflict (e.g. the same Idempotency-Key is still in flight).",
    413: "The request body is over DATA_UPLOAD_MAX_MEMORY_SIZE bytes.",
    415: "Unsupported media type: send application/json.",
    422: "Unprocessable (e.g. an Idempotency-Key reused with another body).",
    429: "Throttled; retry after the Retry-After header's seconds.",
}


def problem_responses(*statuses: int) -> dict[Any, OpenApiResponse]:
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ProblemSerializer,
            description=_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
        )
        for status in statuses
    }


_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "description": "urn:seams:problem:<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": 'Validation failures: {"field": ["message"]}; nested fields dotted.',
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def add_problem_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: every ``/api/`` operation documents the problems
    the edge can always produce (429; 401 wherever a token is read, since a bad one is
    refused even where none is needed; 400/413/415 with a body; 404 with a path parameter or a
    ``page``; 400 with a ``page_size``), so views only declare their own (403, 409, 422...)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", _PROBLEM_SCHEMA)
    ref = {"$ref": "#/components/schemas/Problem"}
    for route, operations in result.get("paths", {}).items():
        if not route.startswith("/api/v"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            wanted = {429}
            if "requestBody" in operation:
                wanted |= {400, 413, 415}
            parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
            if "{" in route or "page" in parameters:  # no such object; a page past the end
                wanted.add(404)
            if "page_size" in parameters:  # not an integer
                wanted.add(400)
            if any(operation.get("security") or []):  # a token is read when one is sent
                wanted.add(401)
            responses = operation["responses"]
            for status in wanted:
                responses.setdefault(
                    str(status),
                    {
                        "content": {PROBLEM_CONTENT_TYPE: {"schema": ref}},
                        "description": _DESCRIPTIONS[status],
                    },
                )
            operation["responses"] = dict(sorted(responses.items()))
    return result
