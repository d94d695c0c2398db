"""URLs for the observability tests: the real ones plus a failing view and a module's view."""

import structlog
from django.http import JsonResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from app.kernel.ownership import acting_as
from app.urls import urlpatterns as app_urlpatterns


def boom(request):
    raise RuntimeError("boom")


def orders_view(request, pk):
    with acting_as("orders"):
        structlog.get_logger("modules.orders").info("order looked up", order_id=pk)
    return JsonResponse({"id": pk})


# Views report the module they belong to by their Python module, as a module's views would.
orders_view.__module__ = "modules.orders.http.views"


class WhoAmI(APIView):
    def get(self, request):
        return Response({"id": request.user.id})


urlpatterns = [
    path("test/whoami/", WhoAmI.as_view()),
    path("test/boom/", boom),
    path("test/orders/<int:pk>/", orders_view),
    *app_urlpatterns,
]
