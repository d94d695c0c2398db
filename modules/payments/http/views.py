"""HTTP adapter of the payments module: views parse input, call one service, render output."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from app.kernel.http.parsing import customer_id, validated
from app.kernel.http.schema import problem_responses
from modules.payments import selectors, services
from modules.payments.http.serializers import LedgerEntryOut, TopUpIn, WalletOut


def _wallet_body(balance) -> dict:
    return WalletOut({"balance": balance, "currency": settings.SEAMS_CURRENCY}).data


class WalletView(APIView):
    """The signed-in customer's wallet."""

    @extend_schema(
        responses={200: WalletOut, **problem_responses(401)}, summary="Show my wallet balance"
    )
    def get(self, request):
        return Response(_wallet_body(selectors.wallet_balance(customer_id=customer_id(request))))


class WalletTopUpView(APIView):
    """Add demo funds to the signed-in customer's wallet."""

    @extend_schema(
        request=TopUpIn,
        responses={200: WalletOut, **problem_responses(400, 401)},
        summary="Top up my wallet",
    )
    def post(self, request):
        body = validated(TopUpIn, request.data)
        wallet = services.wallet_top_up(customer_id=customer_id(request), amount=body["amount"])
        return Response(_wallet_body(wallet.balance))


class TransactionListView(ListAPIView):
    """The signed-in customer's ledger entries, newest first."""

    serializer_class = LedgerEntryOut

    def get_queryset(self):
        return selectors.ledger_entries(customer_id=customer_id(self.request))

    @extend_schema(summary="List my wallet transactions")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
