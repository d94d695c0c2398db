"""PUBLIC: the payments module's typed functions and the DTOs they take and return.

Every function is keyword-only, takes and returns primitives or frozen DTOs, and is
idempotent where it moves money (per ``order_id``), so it can be retried or bound remotely.
A call that breaks a payments rule raises :class:`PaymentRefusedError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.conf import settings

from app.kernel.ownership import module_api
from modules.payments import selectors, services
from modules.payments.models import Payment

PaymentStatus = Literal["captured", "declined", "refunded", "voided"]


@dataclass(frozen=True)
class Balance:
    customer_id: int
    balance: Decimal
    currency: str


@dataclass(frozen=True)
class CaptureResult:
    """``captured`` is true when the money moved (now or on an earlier call)."""

    order_id: int
    captured: bool
    status: PaymentStatus
    amount: Decimal
    currency: str
    reason: str


@dataclass(frozen=True)
class RefundResult:
    """``refunded`` is true when the captured amount is (now or already) back in the wallet."""

    order_id: int
    refunded: bool
    status: PaymentStatus
    amount: Decimal
    currency: str


class PaymentRefusedError(Exception):
    """The call breaks a payments rule: a non-positive or absurd amount, an order already
    charged to another customer."""


@module_api(idempotent=True)
def balance_get(*, customer_id: int) -> Balance:
    """The customer's wallet balance (``0.00`` without a wallet)."""
    return Balance(
        customer_id=customer_id,
        balance=selectors.wallet_balance(customer_id=customer_id),
        currency=settings.SEAMS_CURRENCY,
    )


@module_api(idempotent=True)
def payment_capture(*, order_id: int, customer_id: int, amount: Decimal) -> CaptureResult:
    """Charge the customer's wallet for an order, once per order; declined when it is short."""
    try:
        payment = services.payment_capture(
            order_id=order_id, customer_id=customer_id, amount=amount
        )
    except services.PaymentError as exc:
        raise PaymentRefusedError(str(exc)) from exc
    return _capture_result(payment)


@module_api(idempotent=True)
def payment_refund(*, order_id: int) -> RefundResult:
    """Refund what was captured for an order, once; voids the order when nothing was."""
    try:
        payment = services.payment_refund(order_id=order_id)
    except services.PaymentError as exc:
        raise PaymentRefusedError(str(exc)) from exc
    return _refund_result(payment)


# ---------------------------------------------------------------------------
# ORM → DTO, in one place
# ---------------------------------------------------------------------------
def _capture_result(payment: Payment) -> CaptureResult:
    return CaptureResult(
        order_id=payment.order_id,
        captured=payment.status in (Payment.Status.CAPTURED, Payment.Status.REFUNDED),
        status=payment.status,
        amount=payment.amount,
        currency=settings.SEAMS_CURRENCY,
        reason=payment.reason,
    )


def _refund_result(payment: Payment) -> RefundResult:
    return RefundResult(
        order_id=payment.order_id,
        refunded=payment.status == Payment.Status.REFUNDED,
        status=payment.status,
        amount=payment.amount,
        currency=settings.SEAMS_CURRENCY,
    )
