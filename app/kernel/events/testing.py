"""Test helpers for code that publishes events (see the package docstring).

``drain()`` runs every pending outbox delivery in the calling thread, including deliveries
published by the handlers it runs, and returns how many ran. ``deliver_events`` is the same
as a pytest fixture: ``pytest_plugins = ["app.kernel.events.testing"]`` or import it.
"""

from __future__ import annotations

import pytest

from app.kernel.events.embedded import drain
from app.kernel.events.models import OutboxMessage, OutboxStatus


def pending() -> list[OutboxMessage]:
    """Outbox rows not yet handled (pending or in flight), oldest first."""
    return list(
        OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENT]).order_by(
            "id"
        )
    )


def dead() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(status=OutboxStatus.DEAD).order_by("id"))


@pytest.fixture
def deliver_events(db):
    """Yields :func:`drain`; call it after the code under test published events."""
    return drain


__all__ = ("dead", "deliver_events", "drain", "pending")
