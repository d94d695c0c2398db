"""OpenAPI helpers: document problem-details responses on every endpoint.

Usage in a view::

    from app.kernel.http.schema import problem_responses

    @extend_schema(responses={201: OrderSerializer, **problem_responses(400, 401, 409, 422)})
    def post(self, request): ...

Each status maps to ``application/problem+json`` with the :class:`ProblemSerializer` shape.
The postprocessing hook :func:`add_problem_responses` (``SPECTACULAR_SETTINGS``) adds the
problems every endpoint can produce (401, 404, 400/413/415, 429) to every operation, so a view
only declares its own (403, 409, 422...).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from app.kernel.http.problems import PROBLEM_CONTENT_TYPE


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
    the edge can always produce (429; 401 when a token is required; 400/413/415 with a body; 404
    with a path parameter), so views only declare their own (403, 409, 422...)."""
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
            if "{" in route:
                wanted.add(404)
            security = operation.get("security") or []
            if security and all(security):  # no anonymous ({}) alternative
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
