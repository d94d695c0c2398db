from django.urls import path

from modules.accounts.http import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("token/refresh/", views.TokenRefreshViewV1.as_view(), name="token-refresh"),
    path("me/", views.MeView.as_view(), name="me"),
]
