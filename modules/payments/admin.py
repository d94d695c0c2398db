"""Admin for the payments module's models: wallets change only through the ledger."""

from django.contrib import admin

from modules.payments.models import LedgerEntry, Payment, Wallet


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived money records: visible, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ("created_at", "kind", "amount", "order_id")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("customer_id", "balance", "updated_at")
    search_fields = ("customer_id",)
    readonly_fields = ("customer_id", "balance", "created_at", "updated_at")
    inlines = (LedgerEntryInline,)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer_id", "kind", "amount", "order_id", "created_at")
    list_filter = ("kind",)
    search_fields = ("customer_id", "order_id")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "customer_id", "amount", "status", "reason", "updated_at")
    list_filter = ("status",)
    search_fields = ("order_id", "customer_id")
