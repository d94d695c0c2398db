"""HTTP adapter of the inventory module: views parse input, call one service, render output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from app.kernel.http.parsing import validated
from app.kernel.http.permissions import IsStaff
from app.kernel.http.problems import Conflict
from app.kernel.http.schema import problem_responses
from modules.catalog import api as catalog_api
from modules.inventory import selectors, services
from modules.inventory.http.serializers import AdjustIn, StockOut


def _require_catalog_sku(sku: str) -> None:
    # a SKU is 1-64 printable characters; anything else (NUL bytes included) is not one
    if not (0 < len(sku) <= 64 and sku.isprintable()) or sku not in catalog_api.price_skus(
        skus=[sku]
    ):
        raise NotFound(f"No product with SKU {sku!r} in the catalog.")


def _stock_body(sku: str) -> dict:
    item = selectors.stock_items(skus=[sku]).get(sku)
    level = (
        {"sku": sku, "on_hand": 0, "reserved": 0, "available": 0}
        if item is None
        else {
            "sku": sku,
            "on_hand": item.on_hand,
            "reserved": item.reserved,
            "available": item.available,
        }
    )
    return StockOut(level).data


class StockDetailView(APIView):
    """Stock of one catalog SKU (zeros when never stocked)."""

    permission_classes = (AllowAny,)

    @extend_schema(
        responses={200: StockOut, **problem_responses(404)}, summary="Show the stock of a SKU"
    )
    def get(self, request, sku: str):
        _require_catalog_sku(sku)
        return Response(_stock_body(sku))


class StockAdjustView(APIView):
    """Staff: restock (positive delta) or write off (negative delta) a SKU."""

    permission_classes = (IsStaff,)

    @extend_schema(
        request=AdjustIn,
        responses={200: StockOut, **problem_responses(400, 401, 403, 404, 409)},
        summary="Restock or write off a SKU",
    )
    def post(self, request, sku: str):
        body = validated(AdjustIn, request.data)
        _require_catalog_sku(sku)
        try:
            services.stock_adjust(sku=sku, delta=body["delta"])
        except services.StockConflict as exc:
            raise Conflict(str(exc)) from exc
        return Response(_stock_body(sku))
