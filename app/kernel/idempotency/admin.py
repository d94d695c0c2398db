"""Idempotency records in the admin: read-only (they are the API's memory)."""

from django.contrib import admin

from app.kernel.admin import ReadOnlyModelAdmin
from app.kernel.idempotency.models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyModelAdmin):
    list_display = ("scope", "key", "method", "path", "state", "response_status", "created_at")
    list_filter = ("state", "method")
    search_fields = ("scope", "key", "path")
    date_hierarchy = "created_at"
