"""Catalog endpoints: anyone reads, staff create and change (price, deactivate).

Visibility: staff see every product; everybody else sees only active ones (an inactive
product's detail is a 404 for them), so a deactivated product disappears from the shop.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from app.kernel.http.parsing import validated
from app.kernel.http.permissions import IsStaffOrReadOnly, is_staff
from app.kernel.http.schema import problem_responses
from modules.catalog import selectors, services
from modules.catalog.http.serializers import (
    ProductCreateSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
)
from modules.catalog.rules import CatalogError


def _invalid(error: CatalogError) -> ValidationError:
    return ValidationError({error.field: [error.message]})


class ProductListView(generics.ListCreateAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = ProductSerializer

    def get_queryset(self):
        return selectors.product_list(include_inactive=is_staff(self.request))

    @extend_schema(
        summary="List products (active ones; staff see all)",
        responses={200: ProductSerializer(many=True), **problem_responses(400, 404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a product (staff)",
        request=ProductCreateSerializer,
        responses={201: ProductSerializer, **problem_responses(400, 401, 403, 415, 429)},
    )
    def post(self, request, *args, **kwargs):
        data = validated(ProductCreateSerializer, request.data)
        try:
            product = services.product_create(**data)
        except CatalogError as error:
            raise _invalid(error) from None
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailView(generics.GenericAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = ProductSerializer

    def _product(self, product_id: int):
        product = selectors.product_get(
            product_id=product_id, include_inactive=is_staff(self.request)
        )
        if product is None:
            raise NotFound("No such product.")
        return product

    @extend_schema(
        summary="One product",
        responses={200: ProductSerializer, **problem_responses(404, 429)},
    )
    def get(self, request, pk: int):
        return Response(ProductSerializer(self._product(pk)).data)

    @extend_schema(
        summary="Change a product: name, description, price, active (staff)",
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer, **problem_responses(400, 401, 403, 404, 415, 429)},
    )
    def patch(self, request, pk: int):
        self._product(pk)
        changes = validated(ProductUpdateSerializer, request.data)
        try:
            product = services.product_update(product_id=pk, **changes)
        except services.ProductNotFound:
            raise NotFound("No such product.") from None
        except CatalogError as error:
            raise _invalid(error) from None
        return Response(ProductSerializer(product).data)
