"""HTTP adapter of the orders module: views parse input, call one service, render output."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from app.kernel.http import prefer
from app.kernel.http.parsing import customer_id, validated
from app.kernel.http.problems import Conflict
from app.kernel.http.schema import problem_responses
from app.kernel.idempotency.decorators import idempotent
from modules.orders import checkout, selectors, services
from modules.orders.http.serializers import OrderIn, OrderOut


def _not_found(order_id: int) -> NotFound:
    return NotFound(f"You have no order {order_id}.")


class OrderListCreateView(ListAPIView):
    """The signed-in customer's orders; POST places a new one."""

    serializer_class = OrderOut

    def get_queryset(self):
        return selectors.orders_of_customer(customer_id=customer_id(self.request))

    @extend_schema(summary="List my orders", responses={200: OrderOut(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Place an order",
        description=(
            "Creates the order `pending` and starts the checkout saga; read the order until "
            "it is `confirmed` or `cancelled` (with `Prefer: wait=N` the read is held while "
            "it is `pending`). Honours `Idempotency-Key`."
        ),
        request=OrderIn,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
                OpenApiParameter.HEADER,
                description=(
                    "Optional, 1-255 printable ASCII characters, kept 24 h per customer. The "
                    "same key and body replay the first response; another body is a 422; a "
                    "request with the key still in flight is a 409."
                ),
            )
        ],
        responses={202: OrderOut, **problem_responses(400, 401, 409, 422, 429)},
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        body = validated(OrderIn, request.data)
        try:
            order = services.order_place(
                customer_id=customer_id(request),
                lines=[(item["sku"], item["quantity"]) for item in body["items"]],
            )
        except services.OrderInvalidError as exc:
            raise ValidationError(exc.message) from exc
        return Response(OrderOut(order).data, status=status.HTTP_202_ACCEPTED)


def _etag(order_id: int, version: datetime) -> str:
    """The entity tag of an order's representation: it changes whenever the order does."""
    return f'W/"{order_id}-{version.timestamp():.6f}"'


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 13.1.2) or ``*``."""
    named = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
    return "*" in named or etag.removeprefix("W/") in named


def _wait(request) -> float | None:
    """How long to hold the answer while the order is pending: the client's ``Prefer:
    wait``, at most ``SEAMS_ORDER_WAIT_MAX_SECONDS``; ``None`` when it asked for no wait."""
    asked = prefer.wait_seconds(request)
    return None if asked is None else min(asked, settings.SEAMS_ORDER_WAIT_MAX_SECONDS)


def _answered(response: HttpResponse, wait: float | None) -> HttpResponse:
    if wait is not None:
        response["Preference-Applied"] = f"wait={wait:g}"
    return response


class OrderDetailView(APIView):
    """One of the signed-in customer's orders, with an `ETag`: a client polling it can send
    `If-None-Match` and get a `304` while the order has not changed (one narrow read on the
    server instead of the order and its lines), and `Prefer: wait=N` to have the answer held
    while the checkout runs (ADR 0025)."""

    @extend_schema(
        summary="Show my order",
        parameters=[
            OpenApiParameter(
                "If-None-Match", str, OpenApiParameter.HEADER,
                description="The `ETag` of a representation you hold: `304` while it is current.",
            ),
            OpenApiParameter(
                "Prefer", str, OpenApiParameter.HEADER,
                description=(
                    "`wait=N` (RFC 7240): while the order is `pending`, the answer is held "
                    "until it is decided or N seconds have passed (at most "
                    "`SEAMS_ORDER_WAIT_MAX_SECONDS`, 10 by default), then given as without "
                    "the header. Other preferences, or a value that is not a whole number of "
                    "seconds, are ignored."
                ),
            ),
            OpenApiParameter(
                "ETag", str, OpenApiParameter.HEADER, response=[200, 304],
                description="Changes whenever the order does (its status, above all).",
            ),
            OpenApiParameter(
                "Preference-Applied", str, OpenApiParameter.HEADER, response=[200, 304],
                description="`wait=N` when a wait was asked for: the longest it was held.",
            ),
        ],
        responses={
            200: OrderOut,
            304: OpenApiResponse(description="Not modified: the one you hold is current."),
            **problem_responses(401, 404),
        },
    )  # fmt: skip
    def get(self, request, order_id: int):
        customer = customer_id(request)
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        wait = _wait(request)
        if if_none_match or wait:
            version = selectors.order_version(
                customer_id=customer, order_id=order_id, wait=wait or 0.0
            )
            if version is None:
                raise _not_found(order_id)
            etag = _etag(order_id, version.updated_at)
            if if_none_match and _matches(if_none_match, etag):
                return _answered(HttpResponseNotModified(headers={"ETag": etag}), wait)
        order = selectors.order_of_customer(customer_id=customer, order_id=order_id)
        if order is None:
            raise _not_found(order_id)
        response = Response(OrderOut(order).data)
        response["ETag"] = _etag(order.pk, order.updated_at)
        return _answered(response, wait)


class OrderCancelView(APIView):
    """Cancel one of the signed-in customer's orders; compensations run before the answer."""

    @extend_schema(
        summary="Cancel my order",
        description=(
            "A pending order is cancelled and whatever its checkout did so far is undone; a "
            "confirmed order is refunded and its units restocked. 200: done, the order is "
            "`cancelled`. 202: the cancellation is recorded but a refund or stock release "
            "could not be completed yet; it is retried (cancelling again retries it at once) "
            "and the order shows `cancelled` once it is done. An order that is already "
            "cancelled is a 409."
        ),
        request=None,
        responses={200: OrderOut, 202: OrderOut, **problem_responses(401, 404, 409)},
    )
    def post(self, request, order_id: int):
        try:
            order = checkout.order_cancel(order_id=order_id, customer_id=customer_id(request))
        except services.OrderNotFoundError as exc:
            raise _not_found(order_id) from exc
        except services.OrderNotCancellableError as exc:
            raise Conflict(str(exc)) from exc
        done = order.status == order.Status.CANCELLED
        return Response(
            OrderOut(order).data, status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED
        )
