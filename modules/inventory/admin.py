"""Admin for the inventory module's models.

Stock changes go through the adjust endpoint or the saga, so counters are read-only here;
reservations are derived from orders and are read-only too.
"""

from django.contrib import admin

from app.kernel.admin import ReadOnlyModelAdmin
from modules.inventory.models import Reservation, StockItem


@admin.register(StockItem)
class StockItemAdmin(ReadOnlyModelAdmin):
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


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyModelAdmin):
    list_display = ("order_id", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("order_id",)
