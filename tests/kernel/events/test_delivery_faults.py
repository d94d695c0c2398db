"""Deliveries under faults of the consumer's own making or its database's: a blip while the
failure is recorded, messages this code cannot decode, and the default retry budget."""

from __future__ import annotations

import pytest
from celery.exceptions import Reject
from django.conf import settings as django_settings
from django.db import OperationalError

from app.kernel.events import consumer, publish, store, tasks
from app.kernel.events.consumer import Outcome
from app.kernel.events.embedded import run_pending
from app.kernel.events.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from app.kernel.events.testing import dead, drain
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe


@pytest.fixture
def flaky_bookkeeping(monkeypatch):
    """``flaky_bookkeeping(n)``: the next ``n`` attempts to record a failure hit a database
    that is away (n=None: every attempt)."""
    real = consumer.record_failure
    calls = {"left": 0, "made": 0}

    def record_failure(envelope, exc):
        calls["made"] += 1
        if calls["left"] is None or calls["left"] > 0:
            if calls["left"] is not None:
                calls["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(envelope, exc)

    def arm(failures: int | None) -> dict[str, int]:
        calls["left"] = failures
        monkeypatch.setattr(consumer, "record_failure", record_failure)
        return calls

    return arm


@pytest.mark.django_db(transaction=True)
def test_a_database_blip_while_recording_a_failure_still_schedules_the_retry(
    embedded, effects_table, wire, flaky_bookkeeping
):
    wire(h.ASYNC)
    publish(Probe(ref="k", fail_times=1))
    calls = flaky_bookkeeping(2)
    assert run_pending() == [Outcome.RETRY]
    assert calls["made"] == 3
    (row,) = OutboxMessage.objects.all()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1  # not stuck "sent"
    assert DeliveryAttempt.objects.filter(message=row).count() == 1
    assert drain() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.DONE and len(h.effects()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_that_stays_away_hands_the_message_back_instead_of_acking_it(
    embedded, effects_table, wire, flaky_bookkeeping, settings
):
    settings.SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS = 0.5
    wire(h.ASYNC)
    publish(Probe(ref="k", fail_times=1))
    (envelope,) = store.claim(limit=10)
    flaky_bookkeeping(None)
    with pytest.raises(Reject) as rejected:
        tasks.deliver.run(envelope.as_dict())
    assert rejected.value.requeue is True  # back to the queue, redelivered at once


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "error"),
    [
        ({"event_version": 99}, "newer than this code"),
        ({"payload": {"ref": "k", "not_a_field": 1}}, "cannot decode evtest.Probe"),
        ({"handler": "evtest.gone"}, "no handler evtest.gone"),
    ],
    ids=["unknown-version", "unreadable-payload", "unknown-handler"],
)
def test_a_delivery_this_code_cannot_decode_is_dead_lettered_at_once(
    embedded, effects_table, wire, damage, error
):
    wire(h.ASYNC)
    publish(Probe(ref="k"))
    OutboxMessage.objects.update(**damage)
    assert drain() == 1  # one attempt, no loop of retries
    (row,) = dead()
    assert row.attempts == 1 and error in row.last_error
    assert DeliveryAttempt.objects.filter(message=row).count() == 1
    assert h.effects() == []


@pytest.mark.django_db
def test_a_malformed_task_envelope_dead_letters_its_row(embedded, effects_table, wire):
    wire(h.ASYNC)
    publish(Probe(ref="k"))
    (envelope,) = store.claim(limit=10)
    message = {**envelope.as_dict(), "schema": 2}  # a field this code does not know
    del message["payload"]
    assert tasks.deliver.run(message) == "dead"
    (row,) = dead()
    assert "malformed envelope" in row.last_error
    assert tasks.deliver.run({"nothing": "useful"}) == "gone"  # logged; no row to park
    assert h.effects() == []


def test_the_default_retry_budget_rides_out_a_ten_minute_outage(monkeypatch):
    monkeypatch.setattr(consumer.random, "uniform", lambda low, high: low)  # shortest waits
    attempts = django_settings.SEAMS_EVENTS_MAX_ATTEMPTS
    shortest = sum(consumer.backoff_seconds(attempt) for attempt in range(1, attempts))
    assert shortest >= 600, f"dead after {shortest:.0f} s of failures"
