"""HTTP adapter of the orders module: views parse input, call one service, render output."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

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
            "Creates the order `pending` and starts the checkout saga; poll the order until "
            "it is `confirmed` or `cancelled`. Honours `Idempotency-Key`."
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


class OrderDetailView(APIView):
    """One of the signed-in customer's orders."""

    @extend_schema(
        summary="Show my order", responses={200: OrderOut, **problem_responses(401, 404)}
    )
    def get(self, request, order_id: int):
        order = selectors.order_of_customer(customer_id=customer_id(request), order_id=order_id)
        if order is None:
            raise _not_found(order_id)
        return Response(OrderOut(order).data)


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
