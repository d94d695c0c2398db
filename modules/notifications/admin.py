"""Admin for the notifications module: read-only, the rows derive from order events."""

from django.contrib import admin

from modules.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "customer_id", "order_id", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("=customer_id", "=order_id", "message")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
