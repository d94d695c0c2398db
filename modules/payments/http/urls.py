from django.urls import path

from modules.payments.http import views

app_name = "payments"
urlpatterns = [
    path("wallet/", views.WalletView.as_view(), name="wallet"),
    path("wallet/top-up/", views.WalletTopUpView.as_view(), name="wallet-top-up"),
    path("transactions/", views.TransactionListView.as_view(), name="transactions"),
]
