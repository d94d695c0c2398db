"""Idempotency records in the admin: read-only (they are the API's memory)."""

from django.contrib import admin

from app.kernel.idempotency.models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("scope", "key", "method", "path", "state", "response_status", "created_at")
    list_filter = ("state", "method")
    search_fields = ("scope", "key", "path")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
