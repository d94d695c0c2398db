"""Analytics endpoint: net sales figures for staff."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from app.kernel.http.permissions import IsStaff
from app.kernel.http.schema import problem_responses
from modules.analytics import selectors
from modules.analytics.http.serializers import SalesReportSerializer


class SalesView(APIView):
    permission_classes = (IsStaff,)

    @extend_schema(
        summary="Sales: confirmed orders, revenue and units per SKU (staff)",
        responses={200: SalesReportSerializer, **problem_responses(401, 403, 429)},
    )
    def get(self, request):
        return Response(SalesReportSerializer(selectors.sales_report()).data)
