"""Real commits in embedded mode: what shop tests see without calling drain()."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction

from app.kernel.events import embedded, publish, store
from app.kernel.events.models import OutboxMessage, OutboxStatus
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _table(transactional_db):
    h.create_effect_table()


def test_under_pytest_deliveries_run_right_after_commit(wire, settings):
    assert settings.SEAMS_EVENTS_EMBEDDED_DISPATCH == "inline"  # the pytest default
    settings.SEAMS_EVENT_TRANSPORT = "embedded"
    wire(h.ALL)
    with transaction.atomic():
        publish(Probe(ref="k", seq=1))
        assert len(h.effects()) == 1  # only the sync handler so far
    handlers = sorted(handler for (handler,) in _handlers())
    assert handlers == [
        "evtest.probe_recorded",
        "evtest.probe_seen_after_commit",
        "evtest.probe_seen_in_transaction",
    ]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}


def test_a_rolled_back_transaction_delivers_nothing(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "embedded"
    wire(h.ALL)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish(Probe(ref="k"))
        1 / 0  # noqa: B018
    assert h.effects() == []
    assert OutboxMessage.objects.count() == 0


def test_the_background_dispatcher_delivers_after_commit(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "embedded"
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "thread"
    wire(h.ASYNC)
    with transaction.atomic():
        publish(Probe(ref="k"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not h.effects():
        time.sleep(0.05)
    embedded.dispatcher().stop()
    assert len(h.effects()) == 1


def _handlers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT handler FROM evtest_effect")
        return cursor.fetchall()


@pytest.fixture
def thread_dispatcher(settings, wire):
    """Embedded transport with the background dispatcher, fast retries."""
    settings.SEAMS_EVENT_TRANSPORT = "embedded"
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "thread"
    settings.SEAMS_EVENTS_SWEEP_SECONDS = 0.05
    settings.SEAMS_EVENTS_RETRY_BASE_SECONDS = 0.05
    settings.SEAMS_EVENTS_MAX_ATTEMPTS = 3
    wire(h.ASYNC)
    yield
    embedded.dispatcher().stop()


def _wait_status(event: Probe, status: str) -> OutboxMessage:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        row = OutboxMessage.objects.get(event_id=event.event_id)
        if row.status == status:
            return row
        time.sleep(0.05)
    raise AssertionError(f"{event.ref} did not reach {status}")


def test_dispatcher_thread_retries_then_succeeds_with_one_effect(thread_dispatcher):
    event = Probe(ref="flaky", fail_times=2)
    with transaction.atomic():
        publish(event)
    row = _wait_status(event, OutboxStatus.DONE)
    assert row.attempts == 2 and row.failures.count() == 2
    assert [e[1] for e in h.effects()] == ["flaky"]


def test_dispatcher_thread_parks_dead_and_replays_once_fixed(thread_dispatcher, tmp_path):
    fixed = tmp_path / "fixed"
    event = Probe(ref="broken", fail_unless_exists=str(fixed))
    with transaction.atomic():
        publish(event)
    row = _wait_status(event, OutboxStatus.DEAD)
    assert row.attempts == 3 and h.effects() == []
    fixed.touch()
    store.replay([row.id])
    embedded.wake()
    _wait_status(event, OutboxStatus.DONE)
    assert [e[1] for e in h.effects()] == ["broken"]
