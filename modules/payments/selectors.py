"""Reads of the payments module."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from modules.payments.models import LedgerEntry, Wallet


def wallet_balance(*, customer_id: int) -> Decimal:
    """The customer's balance; ``0.00`` when they never had a wallet."""
    wallet = Wallet.objects.filter(customer_id=customer_id).only("balance").first()
    return Decimal("0.00") if wallet is None else wallet.balance


def ledger_entries(*, customer_id: int) -> QuerySet[LedgerEntry]:
    """The customer's ledger entries, newest first."""
    return LedgerEntry.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")
