"""The notifications module's tables; nobody else reads or writes them."""

from django.db import models


class Notification(models.Model):
    """A message to a customer about one outcome of one order (at most one per kind)."""

    class Kind(models.TextChoices):
        ORDER_CONFIRMED = "order_confirmed", "order confirmed"
        ORDER_CANCELLED = "order_cancelled", "order cancelled"

    customer_id = models.BigIntegerField(db_index=True)
    order_id = models.BigIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("order_id", "kind"), name="notifications_one_per_order_outcome"
            )
        ]
        indexes = [models.Index(fields=("customer_id", "-created_at"), name="notif_customer_idx")]

    def __str__(self) -> str:
        return f"{self.kind} order {self.order_id} → customer {self.customer_id}"
