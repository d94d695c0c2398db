"""The event seam's tables: outbox (one row per event and consuming handler), inbox
(idempotency of consumers), failed delivery attempts, and dead letters (parked outbox rows).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "pending"  # due at available_at (first try or retry)
    SENT = "sent", "sent"  # handed to a queue / the dispatcher, not yet handled
    DONE = "done", "done"  # handled (or found in the inbox), prunable
    DEAD = "dead", "dead"  # parked after max attempts, replayable


class OutboxMessage(models.Model):
    """One deferred delivery: an event for one handler, written in the publisher's transaction.

    The row is also the delivery's state: the relay moves it pending → sent; the consumer
    moves it to done, back to pending (retry with backoff) or to dead.
    """

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(db_index=True)
    event_name = models.CharField(max_length=200)
    event_version = models.PositiveSmallIntegerField()
    handler = models.CharField(max_length=200, help_text="<module>.<function name>")
    module = models.CharField(max_length=100, help_text="consuming module (its queue)")
    delivery = models.CharField(max_length=16)
    # NULL, not "": SQL's NULL = NULL is false, so keyless rows never wait on each other
    key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    payload = models.JSONField()
    traceparent = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    available_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "seams_events_outbox"
        verbose_name = "outbox message"
        indexes = [
            # the relay's claim: pending rows in id order
            models.Index(
                fields=["id"],
                name="seams_outbox_pending",
                condition=Q(status="pending"),
            ),
            # ordering per (handler, key): is an earlier delivery still open?
            models.Index(
                fields=["handler", "key", "id"],
                name="seams_outbox_open_key",
                condition=Q(status__in=["pending", "sent"]),
            ),
            # the sweep for stale in-flight rows
            models.Index(fields=["sent_at"], name="seams_outbox_sent", condition=Q(status="sent")),
            # pruning
            models.Index(
                fields=["processed_at"], name="seams_outbox_done", condition=Q(status="done")
            ),
            models.Index(fields=["status", "id"], name="seams_outbox_status"),
        ]
        constraints = [
            # an event forwarded twice from another database is recorded once per handler
            models.UniqueConstraint(
                fields=["event_id", "handler"],
                name="seams_outbox_received_once",
                condition=Q(delivery="received"),
            )
        ]

    def __str__(self) -> str:
        return (
            f"#{self.pk} {self.event_name} v{self.event_version} → {self.handler} [{self.status}]"
        )


class DeadLetterManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=OutboxStatus.DEAD)


class DeadLetter(OutboxMessage):
    """Outbox rows parked after the last attempt failed (admin view; replay re-queues)."""

    objects = DeadLetterManager()

    class Meta:
        proxy = True
        verbose_name = "dead letter"


class InboxEntry(models.Model):
    """A handled (event, handler): inserted in the handler's own transaction, so a redelivered
    event finds it and has no second effect."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    event_name = models.CharField(max_length=200)
    attempts = models.PositiveIntegerField(default=1, help_text="attempt that succeeded")
    processed_at = models.DateTimeField()

    class Meta:
        db_table = "seams_events_inbox"
        verbose_name = "inbox entry"
        verbose_name_plural = "inbox"
        constraints = [
            models.UniqueConstraint(fields=["event_id", "handler"], name="seams_inbox_once")
        ]
        indexes = [models.Index(fields=["processed_at"], name="seams_inbox_processed")]

    def __str__(self) -> str:
        return f"{self.event_name} {self.event_id} → {self.handler}"


class DeliveryAttempt(models.Model):
    """One failed attempt of a delivery (successful ones are the inbox entry)."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="failures", db_constraint=False
    )
    attempt = models.PositiveIntegerField()
    error = models.TextField()
    failed_at = models.DateTimeField()
    retry_at = models.DateTimeField(null=True, blank=True, help_text="empty when parked dead")

    class Meta:
        db_table = "seams_events_attempt"
        verbose_name = "failed delivery attempt"
        ordering = ["message_id", "attempt"]

    def __str__(self) -> str:
        return f"#{self.message_id} attempt {self.attempt}"
