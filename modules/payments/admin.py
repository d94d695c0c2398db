"""Admin for the payments module's models: wallets change only through the ledger."""

from django.contrib import admin

from app.kernel.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from modules.payments.models import LedgerEntry, Payment, Wallet


class LedgerEntryInline(ReadOnlyTabularInline):
    model = LedgerEntry
    fields = ("created_at", "kind", "amount", "order_id")
    readonly_fields = fields
    ordering = ("-created_at",)


@admin.register(Wallet)
class WalletAdmin(ReadOnlyModelAdmin):
    list_display = ("customer_id", "balance", "updated_at")
    search_fields = ("customer_id",)
    readonly_fields = ("customer_id", "balance", "created_at", "updated_at")
    inlines = (LedgerEntryInline,)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "customer_id", "kind", "amount", "order_id", "created_at")
    list_filter = ("kind",)
    search_fields = ("customer_id", "order_id")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = ("order_id", "customer_id", "amount", "status", "reason", "updated_at")
    list_filter = ("status",)
    search_fields = ("order_id", "customer_id")
