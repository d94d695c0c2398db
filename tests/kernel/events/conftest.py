"""Fixtures of the event seam's tests: the throwaway ``evtest`` module wired into the bus."""

from __future__ import annotations

import pytest

from app.kernel.events import bus
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
