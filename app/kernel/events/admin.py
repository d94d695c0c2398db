"""Admin: the outbox (read-only), dead letters with a replay action, and the inbox."""

from __future__ import annotations

from django.contrib import admin, messages

from app.kernel.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from app.kernel.events import store
from app.kernel.events.models import DeadLetter, DeliveryAttempt, InboxEntry, OutboxMessage


class DeliveryAttemptInline(ReadOnlyTabularInline):
    model = DeliveryAttempt
    fields = ("attempt", "failed_at", "retry_at", "error")
    readonly_fields = fields


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyModelAdmin):
    list_display = (
        "id", "event_name", "event_version", "handler", "key", "status", "attempts",
        "created_at", "available_at", "processed_at",
    )  # fmt: skip
    list_filter = ("status", "module", "event_name", "delivery")
    search_fields = ("=event_id", "=key", "handler")
    inlines = (DeliveryAttemptInline,)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]


@admin.register(DeadLetter)
class DeadLetterAdmin(OutboxMessageAdmin):
    list_display = ("id", "event_name", "handler", "key", "attempts", "last_error", "created_at")
    list_filter = ("module", "event_name")
    actions = ("replay",)

    @admin.action(description="Replay the selected dead deliveries")
    def replay(self, request, queryset) -> None:
        count = store.replay(list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"Re-queued {count} deliveries.", messages.SUCCESS)


@admin.register(InboxEntry)
class InboxEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("event_name", "event_id", "handler", "attempts", "processed_at")
    list_filter = ("handler", "event_name")
    search_fields = ("=event_id",)
