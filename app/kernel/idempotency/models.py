"""One row per (scope, Idempotency-Key): the request's fingerprint and its first response."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "in flight"
        DONE = "done", "done"

    scope = models.CharField(max_length=100, help_text="Whose key: e.g. customer:42.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("scope", "key"), name="idempotency_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.state})"
