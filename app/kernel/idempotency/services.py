"""Housekeeping of Idempotency-Key records."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from app.kernel.idempotency.decorators import ttl
from app.kernel.idempotency.models import IdempotencyRecord


def records_prune(*, older_than: timedelta | None = None) -> int:
    """Delete records created more than ``older_than`` (default: the TTL, 24 h) ago."""
    cutoff = timezone.now() - (older_than if older_than is not None else ttl())
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
