"""Test helpers for code that publishes events (see the package docstring).

``drain()`` runs every pending outbox delivery in the calling thread, including deliveries
published by the handlers it runs, and returns how many ran. ``deliver_events`` is the same
as a pytest fixture: ``pytest_plugins = ["app.kernel.events.testing"]`` or import it.
"""

from __future__ import annotations

import pytest

from app.kernel.events import store
from app.kernel.events.embedded import drain
from app.kernel.events.models import OutboxMessage, OutboxStatus


def pending() -> list[OutboxMessage]:
    """Outbox rows not yet handled (pending or in flight), oldest first, from every outbox
    this process delivers (each module's own, in a topology that gives it a database)."""
    return _rows(status__in=[OutboxStatus.PENDING, OutboxStatus.SENT])


def dead() -> list[OutboxMessage]:
    return _rows(status=OutboxStatus.DEAD)


def _rows(**where: object) -> list[OutboxMessage]:
    return sorted(
        (
            row
            for alias in store.outbox_dbs()
            for row in OutboxMessage.objects.using(alias).filter(**where)
        ),
        key=lambda row: (row.created_at, row.id),
    )


@pytest.fixture
def deliver_events(db):
    """Yields :func:`drain`; call it after the code under test published events."""
    return drain


__all__ = ("dead", "deliver_events", "drain", "pending")
