"""Payments.

Owns: wallets (customer balances), ledger entries and per-order payments.
Public: api: ``balance_get``, ``payment_capture``, ``payment_refund`` (idempotent per order).
Publishes: PaymentCaptured, PaymentDeclined, PaymentRefunded.
Consumes: nothing (the orders saga calls its api).
HTTP: GET /api/v1/payments/wallet/, POST /api/v1/payments/wallet/top-up/,
GET /api/v1/payments/transactions/.
"""
