"""Handlers of the ``evtest`` module. Effects go to the raw table ``evtest_effect`` in the
handler's transaction, so a rolled-back or killed attempt leaves no effect."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.db import connection

from app.kernel.events import Delivery, Subscription
from app.kernel.events.models import DeliveryAttempt
from app.kernel.ownership import current_module
from tests.kernel.events.fixture_module.events import Probe

SEEN_MODULES: list[str | None] = []


def create_effect_table() -> None:
    pk = "BIGSERIAL PRIMARY KEY" if connection.vendor == "postgresql" else "INTEGER PRIMARY KEY"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS evtest_effect (id {pk}, event_id VARCHAR(64), "
            "handler VARCHAR(100), key VARCHAR(100), seq INTEGER, pid INTEGER)"
        )
        cursor.execute("DELETE FROM evtest_effect")


def effects(handler: str | None = None) -> list[tuple[str, str, int]]:
    """(event_id, key, seq) of the effects, in the order they committed... well, were inserted."""
    sql = "SELECT event_id, key, seq FROM evtest_effect"
    params: list[str] = []
    if handler:
        sql += " WHERE handler = %s"
        params.append(handler)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY id", params)
        return [tuple(row) for row in cursor.fetchall()]


def _failed_attempts(event: Probe, handler: str) -> int:
    return DeliveryAttempt.objects.filter(
        message__event_id=event.event_id, message__handler=handler
    ).count()


def _effect(event: Probe, handler: str) -> None:
    SEEN_MODULES.append(current_module())
    if event.pid_file and not Path(event.pid_file).exists():
        Path(event.pid_file).write_text(str(os.getpid()))
        time.sleep(event.sleep)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO evtest_effect (event_id, handler, key, seq, pid) "
            "VALUES (%s, %s, %s, %s, %s)",
            [str(event.event_id), handler, event.ref, event.seq, os.getpid()],
        )
    if event.fail_times and _failed_attempts(event, handler) < event.fail_times:
        raise RuntimeError(f"planned failure of {event.ref}/{event.seq}")
    if event.fail_unless_exists and not Path(event.fail_unless_exists).exists():
        raise RuntimeError(f"{event.fail_unless_exists} is missing")


def probe_recorded(event: Probe) -> None:
    _effect(event, "evtest.probe_recorded")


def probe_seen_in_transaction(event: Probe) -> None:
    _effect(event, "evtest.probe_seen_in_transaction")


def probe_seen_after_commit(event: Probe) -> None:
    _effect(event, "evtest.probe_seen_after_commit")


IN_ATOMIC_BLOCK: list[bool] = []


def probe_in_own_transactions(event: Probe) -> None:
    IN_ATOMIC_BLOCK.append(connection.in_atomic_block)
    _effect(event, "evtest.probe_in_own_transactions")


ASYNC = (Subscription(event=Probe, handler=probe_recorded, delivery=Delivery.ASYNC),)
NON_ATOMIC = (Subscription(event=Probe, handler=probe_in_own_transactions, atomic=False),)
ALL = (
    *ASYNC,
    Subscription(event=Probe, handler=probe_seen_in_transaction, delivery=Delivery.SYNC),
    Subscription(event=Probe, handler=probe_seen_after_commit, delivery=Delivery.AFTER_COMMIT),
)
SUBSCRIPTIONS = ASYNC
