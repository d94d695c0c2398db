"""URL map of the deployable: one include per module under ``/api/v1/<module>/``."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from app.kernel.health import healthz, readyz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("readyz/", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns += [
    path(f"api/v1/{package.rsplit('.', 1)[1]}/", include(f"{package}.http.urls"))
    for package in settings.SEAMS_MODULES
]
