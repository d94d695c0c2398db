"""OpenAPI helpers: document problem-details responses on every endpoint.

Usage in a view::

    from app.kernel.http.schema import problem_responses

    @extend_schema(responses={201: OrderSerializer, **problem_responses(400, 401, 409, 422)})
    def post(self, request): ...

Each status maps to ``application/problem+json`` with the :class:`ProblemSerializer` shape.
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
