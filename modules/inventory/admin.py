"""Admin for the inventory module's models.

Stock changes go through the adjust endpoint or the saga, so counters are read-only here;
reservations are derived from orders and are read-only too.
"""

from django.contrib import admin

from modules.inventory.models import Reservation, StockItem


@admin.register(StockItem)
class StockItemAdmin(admin.ModelAdmin):
    list_display = ("sku", "on_hand", "reserved", "available", "sold", "returned", "updated_at")
    search_fields = ("sku",)
    readonly_fields = (
        "sku",
        "on_hand",
        "reserved",
        "received",
        "written_off",
        "sold",
        "returned",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("order_id", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("order_id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
