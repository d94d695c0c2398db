from django.db import models


class Row(models.Model):
    """One row per request: what the baseline endpoint inserts."""

    customer_id = models.BigIntegerField()
    note = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"row {self.pk}"
