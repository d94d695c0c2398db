"""Writes of the payments module, one function per action, named ``<entity>_<action>``.

Every write that moves money locks the customer's wallet row (``SELECT … FOR UPDATE``) and
changes the balance and the ledger in the same transaction. Capture and refund are
idempotent per order through the unique :class:`Payment` row.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.conf import settings

from app.kernel.events import publish
from app.kernel.topology import atomic_on, create_unless_taken
from modules.payments.events import PaymentCaptured, PaymentDeclined, PaymentRefunded
from modules.payments.models import LedgerEntry, Payment, Wallet

CENT = Decimal("0.01")


class PaymentError(Exception):
    """A payments rule was broken by the caller (bad amount, mismatched order, …)."""


def money(value: Decimal | int | str) -> Decimal:
    """``value`` as a two-place Decimal (banker's rounding never applies to valid input)."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise PaymentError(f"{value!r} is not an amount of money") from exc
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise PaymentError(f"{value!r} is not an amount of money we handle")
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def max_top_up() -> Decimal:
    return money(settings.SEAMS_MAX_TOP_UP)


def _wallet_locked(customer_id: int) -> Wallet:
    """The customer's wallet, created on first use, locked for the current transaction (one
    locking read when it exists: the usual case)."""
    locked = Wallet.objects.select_for_update().filter(customer_id=customer_id)
    wallet = locked.first()
    if wallet is None:
        Wallet.objects.get_or_create(customer_id=customer_id)
        wallet = locked.get()
    return wallet


def _move(wallet: Wallet, *, kind: str, amount: Decimal, order_id: int | None) -> LedgerEntry:
    """Apply one ledger entry to a locked wallet: the only place a balance changes."""
    delta = -amount if kind == LedgerEntry.Kind.CAPTURE else amount
    wallet.balance = wallet.balance + delta
    if wallet.balance < 0:
        raise PaymentError("a wallet balance cannot go below zero")
    wallet.save(update_fields=("balance", "updated_at"))
    return LedgerEntry.objects.create(
        wallet=wallet, customer_id=wallet.customer_id, kind=kind, amount=amount, order_id=order_id
    )


@atomic_on(Wallet)
def wallet_top_up(*, customer_id: int, amount: Decimal) -> Wallet:
    """Add demo funds; ``amount`` must be positive, two places at most, ≤ SEAMS_MAX_TOP_UP."""
    if not amount.is_finite() or amount <= 0 or amount > max_top_up():
        raise PaymentError(f"a top-up must be between 0.01 and {max_top_up()}")
    if amount != amount.quantize(CENT):
        raise PaymentError("a top-up has at most two decimal places")
    wallet = _wallet_locked(customer_id)
    _move(wallet, kind=LedgerEntry.Kind.TOP_UP, amount=money(amount), order_id=None)
    return wallet


def _payment_locked(order_id: int) -> Payment | None:
    return Payment.objects.select_for_update().filter(order_id=order_id).first()


def payment_capture(*, order_id: int, customer_id: int, amount: Decimal) -> Payment:
    """Charge ``amount`` for ``order_id`` once: captured when the wallet covers it, else declined.

    A repeated call returns the recorded outcome and moves no money; a call after the order
    was voided is declined. The wallet is locked and the outcome inserted first; only when
    the order has a payment already is that one read (unlocked) and returned.
    """
    amount = money(amount)
    if amount <= 0:
        raise PaymentError("a capture must be for a positive amount")
    while True:
        with atomic_on(Wallet):
            wallet = _wallet_locked(customer_id)
            covered = wallet.balance >= amount
            payment = create_unless_taken(
                Payment,
                order_id=order_id,
                customer_id=customer_id,
                amount=amount,
                status=Payment.Status.CAPTURED if covered else Payment.Status.DECLINED,
                reason="" if covered else "insufficient_funds",
            )
            if payment is None:
                existing = Payment.objects.filter(order_id=order_id).first()
                if existing is None:
                    continue
                if existing.customer_id not in (None, customer_id):
                    raise PaymentError(f"order {order_id} was charged to another customer")
                return existing
            if covered:
                _move(wallet, kind=LedgerEntry.Kind.CAPTURE, amount=amount, order_id=order_id)
                publish(
                    PaymentCaptured(
                        order_id=order_id,
                        customer_id=customer_id,
                        amount=amount,
                        currency=settings.SEAMS_CURRENCY,
                    )
                )
            else:
                publish(
                    PaymentDeclined(
                        order_id=order_id,
                        customer_id=customer_id,
                        amount=amount,
                        currency=settings.SEAMS_CURRENCY,
                        reason=payment.reason,
                    )
                )
            return payment


def payment_refund(*, order_id: int) -> Payment:
    """Give back what was captured for ``order_id``, once.

    Declined, refunded and voided payments are left as they are. With no payment at all, a
    ``voided`` tombstone is recorded so that a capture arriving later is declined.
    """
    while True:
        with atomic_on(Wallet):
            payment = _payment_locked(order_id)
            if payment is None:
                payment = create_unless_taken(
                    Payment,
                    order_id=order_id,
                    amount=Decimal("0.00"),  # the Decimal the row reads back as, not 0
                    status=Payment.Status.VOIDED,
                    reason="voided_before_capture",
                )
                if payment is None:
                    continue
                return payment
            if payment.status != Payment.Status.CAPTURED:
                return payment
            wallet = _wallet_locked(payment.customer_id)
            _move(wallet, kind=LedgerEntry.Kind.REFUND, amount=payment.amount, order_id=order_id)
            payment.status = Payment.Status.REFUNDED
            payment.save(update_fields=("status", "updated_at"))
            publish(
                PaymentRefunded(
                    order_id=order_id,
                    customer_id=payment.customer_id,
                    amount=payment.amount,
                    currency=settings.SEAMS_CURRENCY,
                )
            )
            return payment
