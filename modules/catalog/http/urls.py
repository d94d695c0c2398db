from django.urls import path

from app.kernel.http import parsing  # noqa: F401  (registers the <id:...> converter)
from modules.catalog.http import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("products/<id:pk>/", views.ProductDetailView.as_view(), name="product-detail"),
]
