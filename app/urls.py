"""URL map of the deployable: the front door (``/``), one include per module under
``/api/v1/<module>/``, and the internal endpoint other services deliver events through
(``/internal/events/``). Module api calls from other services (``/internal/api/``) are
answered before Django's URL map, by :class:`app.kernel.remote.server.ApiEndpoint`."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from app.kernel.events import internal as events_internal
from app.kernel.frontdoor import front_door
from app.kernel.health import healthz, readyz
from app.kernel.observability.views import metrics_view

urlpatterns = [
    path("", front_door, name="front-door"),
    path("healthz/", healthz, name="healthz"),
    path("readyz/", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # service to service only (signed; not in the OpenAPI schema; never routed from the edge)
    path("internal/events/<str:module>/", events_internal.receive_view, name="internal-events"),
]

# Errors outside DRF views (unknown URLs, CSRF, unhandled exceptions) as problem+json too.
handler400 = "app.kernel.http.problems.bad_request"
handler403 = "app.kernel.http.problems.permission_denied"
handler404 = "app.kernel.http.problems.not_found"
handler500 = "app.kernel.http.problems.server_error"

urlpatterns += [
    path(f"api/v1/{package.rsplit('.', 1)[1]}/", include(f"{package}.http.urls"))
    for package in settings.SEAMS_MODULES
]
