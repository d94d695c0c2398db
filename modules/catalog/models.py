"""The catalog module's tables; nobody else reads or writes them."""

from django.db import models


class Product(models.Model):
    """A sellable product. ``sku`` is the id other modules use; it never changes."""

    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gt=0), name="catalog_product_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"
