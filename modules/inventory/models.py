"""The inventory module's tables; nobody else reads or writes them.

Stock accounting per SKU (enforced by database constraints, so any history is checkable):

* ``on_hand`` units physically here, reserved ones included; ``available = on_hand - reserved``;
* cumulative counters ``received`` (restocks by staff), ``written_off``, ``sold`` and
  ``returned`` (sold units put back when a confirmed order is cancelled);
* ``on_hand == received - written_off - sold + returned`` and ``0 ≤ reserved ≤ on_hand``.
"""

from django.db import models
from django.db.models import F, Q


class StockItem(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    written_off = models.PositiveIntegerField(default=0)
    sold = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("sku",)
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="inventory_reserved_within_on_hand",
            ),
            models.CheckConstraint(
                condition=Q(on_hand=F("received") - F("written_off") - F("sold") + F("returned")),
                name="inventory_on_hand_balances_movements",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Stock held for one order; its status only moves forward.

    reserved → released (compensation) | sold (order confirmed) → restocked (order returned).
    ``failed`` records a refused reservation and ``released`` with no lines a release that
    arrived first (a tombstone), so a repeated or late ``reserve`` gets the same answer.
    """

    class Status(models.TextChoices):
        RESERVED = "reserved"
        FAILED = "failed"
        RELEASED = "released"
        SOLD = "sold"
        RESTOCKED = "restocked"

    order_id = models.BigIntegerField(unique=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    lines = models.JSONField(default=list, help_text='[{"sku": ..., "quantity": ...}]')
    unavailable_skus = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"reservation for order {self.order_id}: {self.status}"
