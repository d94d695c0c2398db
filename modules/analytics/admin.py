"""Admin for the analytics module: read-only, every row derives from order events."""

from django.contrib import admin

from app.kernel.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from modules.analytics.models import LineFact, OrderFact


class LineFactInline(ReadOnlyTabularInline):
    model = LineFact
    readonly_fields = ("sku", "quantity", "revenue")


@admin.register(OrderFact)
class OrderFactAdmin(ReadOnlyModelAdmin):
    list_display = ("order_id", "customer_id", "total", "currency", "confirmed_at", "cancelled_at")
    list_filter = ("currency",)
    search_fields = ("=order_id", "=customer_id")
    inlines = (LineFactInline,)


@admin.register(LineFact)
class LineFactAdmin(ReadOnlyModelAdmin):
    list_display = ("order", "sku", "quantity", "revenue")
    search_fields = ("sku",)
