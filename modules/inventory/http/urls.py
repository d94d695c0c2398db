from django.urls import path

from modules.inventory.http import views

app_name = "inventory"
urlpatterns = [
    path("stock/<str:sku>/", views.StockDetailView.as_view(), name="stock-detail"),
    path("stock/<str:sku>/adjust/", views.StockAdjustView.as_view(), name="stock-adjust"),
]
