from django.urls import path

from app.kernel.health import readyz
from bench.checkout.baseline.views import InsertView

urlpatterns = [
    path("bench/insert/", InsertView.as_view()),
    path("readyz/", readyz),  # the harness waits for it, as for the product's edge
]
