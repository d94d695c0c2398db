"""Admin for the analytics module: read-only, every row derives from order events."""

from django.contrib import admin

from modules.analytics.models import LineFact, OrderFact


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineFactInline(admin.TabularInline):
    model = LineFact
    extra = 0
    can_delete = False
    readonly_fields = ("sku", "quantity", "revenue")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OrderFact)
class OrderFactAdmin(_ReadOnly):
    list_display = ("order_id", "customer_id", "total", "currency", "confirmed_at", "cancelled_at")
    list_filter = ("currency",)
    search_fields = ("=order_id", "=customer_id")
    inlines = (LineFactInline,)


@admin.register(LineFact)
class LineFactAdmin(_ReadOnly):
    list_display = ("order", "sku", "quantity", "revenue")
    search_fields = ("sku",)
