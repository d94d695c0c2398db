from django.urls import path

from app.kernel.http import parsing  # noqa: F401  (registers the <id:...> converter)
from modules.orders.http import views

app_name = "orders"
urlpatterns = [
    path("", views.OrderListCreateView.as_view(), name="order-list"),
    path("<id:order_id>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<id:order_id>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
]
