"""Admin for the notifications module: read-only, the rows derive from order events."""

from django.contrib import admin

from app.kernel.admin import ReadOnlyModelAdmin
from modules.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "customer_id", "order_id", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("=customer_id", "=order_id", "message")
    date_hierarchy = "created_at"
