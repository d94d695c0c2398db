"""The payments module's tables; nobody else reads or writes them.

A :class:`Wallet` keeps a running ``balance`` that is changed only together with a
:class:`LedgerEntry` in the same transaction, under a row lock on the wallet, so
``balance == top-ups - captures + refunds`` for every wallet at every commit.
A :class:`Payment` is the per-order record that makes capture and refund idempotent.
"""

from django.db import models
from django.db.models import Q


class Wallet(models.Model):
    customer_id = models.BigIntegerField(unique=True)
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="payments_wallet_balance_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"wallet of customer {self.customer_id}: {self.balance}"


class LedgerEntry(models.Model):
    """One movement of money; ``amount`` is always positive, ``kind`` gives the sign."""

    class Kind(models.TextChoices):
        TOP_UP = "topup", "top-up"
        CAPTURE = "capture", "capture"
        REFUND = "refund", "refund"

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    customer_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    order_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("order_id", "kind"),
                condition=Q(order_id__isnull=False),
                name="payments_one_entry_per_order_and_kind",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_entry_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} (customer {self.customer_id})"

    @property
    def signed_amount(self):
        return -self.amount if self.kind == self.Kind.CAPTURE else self.amount


class Payment(models.Model):
    """The outcome of charging one order: makes capture and refund idempotent per order.

    ``voided`` is a tombstone written when a refund/void arrives before any capture, so a
    late capture for the same order is declined instead of charging a cancelled order.
    """

    class Status(models.TextChoices):
        CAPTURED = "captured"
        DECLINED = "declined"
        REFUNDED = "refunded"
        VOIDED = "voided"

    order_id = models.BigIntegerField(unique=True)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"payment for order {self.order_id}: {self.status}"
