"""Payments.

Owns: wallets (customer balances) and ledger entries.
Public: api: balance, capture, refund.
Publishes: PaymentCaptured, PaymentDeclined, PaymentRefunded.
Consumes: nothing (the orders saga calls its api).
"""
