from django.urls import path

from modules.analytics.http import views

app_name = "analytics"
urlpatterns = [
    path("sales/", views.SalesView.as_view(), name="sales"),
]
