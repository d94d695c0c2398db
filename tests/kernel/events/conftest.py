"""Fixtures of the event seam's tests: the throwaway ``evtest`` module wired into the bus."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from app.kernel.events import bus
from app.kernel.events.outbox import NOTIFY_CHANNEL
from tests.kernel.events.fixture_module import MODULE
from tests.kernel.events.fixture_module import handlers as evtest_handlers


@pytest.fixture
def wire():
    """``wire(subscriptions)``: subscribe the evtest module for this test only."""
    wired = []

    def subscribe(subscriptions=evtest_handlers.ALL):
        bus.subscribe_all(MODULE, subscriptions)
        wired.append(MODULE)

    yield subscribe
    for module in wired:
        bus.unsubscribe_all(module)
    evtest_handlers.SEEN_MODULES.clear()


@pytest.fixture
def effects_table(db):
    evtest_handlers.create_effect_table()
    return evtest_handlers.effects


@pytest.fixture
def embedded(settings):
    """Embedded transport, drained explicitly by the test (no thread, no inline drain)."""
    settings.SEAMS_EVENT_TRANSPORT = "embedded"
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "manual"
    settings.SEAMS_EVENTS_MAX_ATTEMPTS = 3
    return settings


class Listener:
    """A connection LISTENing on the relays' channel, as a relay does (PostgreSQL only)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def woken(self, timeout: float = 0.5) -> bool:
        """Whether a notification arrives within ``timeout`` seconds (it is used up)."""
        return any(True for _ in self._conn.notifies(timeout=timeout, stop_after=1))

    def forget(self) -> None:
        """Use up the notifications already sent."""
        while self.woken(timeout=0.1):
            pass


@pytest.fixture
def listener():
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as conn:
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        yield Listener(conn)
