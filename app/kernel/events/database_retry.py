"""Riding out a database blip in the consumer's own bookkeeping.

Recording a failed attempt is what schedules the retry; if that write is lost, the delivery
is stuck ``sent`` until the relay's redelivery sweep. A failover or a restart of PostgreSQL
lasts seconds, so the write is tried again on a fresh connection for up to
SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS; after that the caller gets the error (the Celery
task then hands its message back to the queue instead of acking it: ``tasks.deliver``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TypeVar

import structlog
from django.db import DatabaseError, connections

from app.kernel.events import conf

log = structlog.get_logger("seams.events")

T = TypeVar("T")

FIRST_PAUSE = 0.2
LONGEST_PAUSE = 2.0


def retry_through_database_blips(fn: Callable[[], T], *, using: str) -> T:
    """``fn()``, called again on a new connection while it raises a DatabaseError, for up
    to SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS. Inside an open transaction there is nothing
    to retry on (the transaction is lost): the error is raised at once."""
    budget = float(conf.get("SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS"))
    deadline = time.monotonic() + budget
    pause = FIRST_PAUSE
    tries = 0
    while True:
        tries += 1
        try:
            return fn()
        except DatabaseError as exc:
            connection = connections[using]
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
            log.warning("event bookkeeping failed; retrying", tries=tries, error=str(exc))
            with contextlib.suppress(DatabaseError):
                connection.close()
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
