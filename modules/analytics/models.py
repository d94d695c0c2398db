"""The analytics module's tables: sales facts derived from order events (nobody else's)."""

from django.db import models


class OrderFact(models.Model):
    """One confirmed order as analytics saw it; ``cancelled_at`` set when it was later
    cancelled (refunded), which takes it out of the sales figures."""

    order_id = models.BigIntegerField(unique=True)
    customer_id = models.BigIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-order_id",)

    def __str__(self) -> str:
        state = "cancelled" if self.cancelled_at else "confirmed"
        return f"order {self.order_id} {self.total} {self.currency} ({state})"


class LineFact(models.Model):
    """One SKU line of an :class:`OrderFact`."""

    order = models.ForeignKey(OrderFact, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64, db_index=True)
    quantity = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("order", "sku"), name="analytics_line_per_sku")
        ]

    def __str__(self) -> str:
        return f"{self.sku} x{self.quantity}"
