"""The event seam in process: sync/after_commit/async deliveries, inbox, retries, dead
letters, replay and per-key ordering, through the embedded dispatcher's code path."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from app.kernel.events import Delivery, Subscription, bus, publish, store
from app.kernel.events.consumer import Outcome, consume
from app.kernel.events.embedded import run_after_commit, run_pending
from app.kernel.events.models import DeliveryAttempt, InboxEntry, OutboxMessage, OutboxStatus
from app.kernel.events.testing import dead, drain, pending
from app.kernel.observability.tracing import traceparent_of, tracer
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe, Untouched

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(embedded, effects_table):
    pass


def outbox(**filters):
    return list(OutboxMessage.objects.filter(**filters).order_by("id"))


def test_sync_handler_runs_in_the_publishers_transaction_as_its_module(wire):
    wire(h.ALL)
    publish(Probe(ref="k"))
    assert h.effects("evtest.probe_seen_in_transaction") == [(h.effects()[0][0], "k", 0)]
    assert h.SEEN_MODULES == ["evtest"]


def test_sync_handler_failure_rolls_the_publisher_back(wire):
    wire(h.ALL)
    with pytest.raises(RuntimeError), transaction.atomic():
        OutboxMessage.objects.count()
        publish(Probe(ref="k", fail_unless_exists="/nonexistent/file"))
    assert h.effects() == []
    assert outbox() == []


def test_deferred_deliveries_are_one_row_per_event_and_handler(wire):
    wire(h.ALL)
    publish(Probe(ref="a"), Probe(ref="b"), Untouched(value=1))
    rows = outbox()
    assert len(rows) == 4  # 2 events x (async + after_commit)
    assert {r.handler for r in rows} == {"evtest.probe_recorded", "evtest.probe_seen_after_commit"}
    assert all(r.status == OutboxStatus.PENDING and r.module == "evtest" for r in rows)


def test_captured_on_commit_hooks_run_the_after_commit_delivery(
    wire, django_capture_on_commit_callbacks
):
    wire(h.ALL)
    with django_capture_on_commit_callbacks(execute=True):
        publish(Probe(ref="k"))
    assert [e[1] for e in h.effects("evtest.probe_seen_after_commit")] == ["k"]


def test_event_without_subscribers_writes_nothing(wire):
    wire(h.ALL)
    publish(Untouched(value=1))
    assert outbox() == []


def test_drain_runs_each_async_delivery_once_as_its_module(wire):
    wire(h.ASYNC)
    publish(Probe(ref="k", seq=1))
    assert len(pending()) == 1
    assert drain() == 1
    assert [e[1:] for e in h.effects()] == [("k", 1)]
    assert h.SEEN_MODULES == ["evtest"]
    (row,) = outbox()
    assert row.status == OutboxStatus.DONE and row.processed_at is not None
    assert InboxEntry.objects.filter(handler="evtest.probe_recorded").count() == 1
    assert drain() == 0


def test_a_redelivered_event_has_no_second_effect(wire):
    wire(h.ASYNC)
    publish(Probe(ref="k"))
    (envelope,) = store.claim(limit=10)
    assert consume(envelope) is Outcome.DONE
    assert consume(envelope) is Outcome.DUPLICATE  # the broker delivered it twice
    assert len(h.effects()) == 1


def test_failing_twice_then_succeeding_has_one_effect_and_records_attempts(wire):
    wire(h.ASYNC)
    publish(Probe(ref="k", fail_times=2))
    assert drain() == 3
    assert len(h.effects()) == 1
    (row,) = outbox()
    assert row.status == OutboxStatus.DONE and row.attempts == 2
    attempts = list(DeliveryAttempt.objects.filter(message=row))
    assert [a.attempt for a in attempts] == [1, 2]
    assert all("planned failure" in a.error and a.retry_at for a in attempts)
    assert InboxEntry.objects.get(handler="evtest.probe_recorded").attempts == 3


def test_retry_waits_for_its_backoff(wire, settings):
    settings.SEAMS_EVENTS_RETRY_BASE_SECONDS = 60
    wire(h.ASYNC)
    publish(Probe(ref="k", fail_times=1))
    assert run_pending() == [Outcome.RETRY]
    assert run_pending() == []  # not due for 30-60 s
    (row,) = outbox()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1


def test_permanently_failing_ends_dead_and_replays_once_fixed(wire, tmp_path):
    wire(h.ASYNC)
    fixed = tmp_path / "fixed"
    publish(Probe(ref="k", fail_unless_exists=str(fixed)))
    assert drain() == 3  # SEAMS_EVENTS_MAX_ATTEMPTS
    (row,) = dead()
    assert row.attempts == 3 and "is missing" in row.last_error
    assert h.effects() == []
    assert drain() == 0  # parked: nothing retries it
    fixed.touch()
    assert store.replay([row.id]) == 1
    assert drain() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.DONE
    assert len(h.effects()) == 1


def test_events_of_one_key_are_handled_in_publish_order_even_across_a_retry(wire):
    wire(h.ASYNC)
    with transaction.atomic():
        publish(Probe(ref="a", seq=1), Probe(ref="a", seq=2, fail_times=2), Probe(ref="b", seq=1))
        publish(Probe(ref="a", seq=3), Probe(ref="b", seq=2))
    drain()
    order = [(key, seq) for _, key, seq in h.effects()]
    assert [seq for key, seq in order if key == "a"] == [1, 2, 3]
    assert [seq for key, seq in order if key == "b"] == [1, 2]
    # b was not held up by a's retries
    assert order.index(("b", 2)) < order.index(("a", 2))


def test_a_later_event_of_a_key_waits_while_an_earlier_one_is_open(wire):
    wire(h.ASYNC)
    publish(Probe(ref="a", seq=1), Probe(ref="a", seq=2), Probe(ref="b", seq=1))
    claimed = store.claim(limit=10)
    assert [(e.key, e.payload["seq"]) for e in claimed] == [("a", 1), ("b", 1)]
    assert store.claim(limit=10) == []  # a/2 waits for a/1 to be handled


def test_after_commit_handler_runs_after_commit_and_a_failure_stays_in_the_outbox(wire, settings):
    settings.SEAMS_EVENTS_RETRY_BASE_SECONDS = 60
    wire((h.ALL[2],))
    with transaction.atomic():
        publish(Probe(ref="ok"), Probe(ref="bad", fail_times=1))
    # In a django_db test nothing really commits: run the on-commit hook by hand.
    run_after_commit([r.id for r in outbox()])
    assert [e[1] for e in h.effects()] == ["ok"]
    bad = OutboxMessage.objects.get(key="bad")
    assert bad.status == OutboxStatus.PENDING and bad.attempts == 1  # retried by the relay


def test_an_event_carries_the_trace_context_it_was_published_in(wire):
    wire(h.ASYNC)
    with tracer.start_as_current_span("publisher") as span:
        bound = traceparent_of(span)
        publish(Probe(ref="traced"))
    publish(Probe(ref="untraced"))
    traced, untraced = outbox()
    assert traced.traceparent == bound and traced.payload["traceparent"] == bound
    assert untraced.traceparent == ""  # no trace to carry: its handler starts one


def test_unknown_handler_is_counted_and_dead_lettered_at_its_first_attempt(wire):
    wire(h.ASYNC)
    publish(Probe(ref="k"))
    OutboxMessage.objects.update(handler="evtest.gone")
    assert drain() == 1  # not retried: no retry can make the handler appear
    (row,) = dead()
    assert row.attempts == 1 and "no handler evtest.gone" in row.last_error
    assert DeliveryAttempt.objects.filter(message=row).count() == 1


def test_prune_removes_old_done_rows_and_inbox_but_never_dead(wire):
    wire(h.ASYNC)
    publish(Probe(ref="ok"), Probe(ref="bad", fail_unless_exists="/nonexistent"))
    drain()
    later = timezone.now() + timezone.timedelta(days=1)
    assert store.prune(older_than=later) == (1, 1)
    assert [r.key for r in outbox()] == ["bad"]


def test_event_id_is_a_uuid_and_events_are_immutable():
    event = Probe(ref="k")
    assert isinstance(event.event_id, uuid.UUID)
    with pytest.raises(Exception):  # noqa: B017
        event.key = "other"


def test_sync_handlers_of_several_modules_each_run_as_their_module(wire):
    wire(h.ALL)
    bus.subscribe_all(
        "evtest2", (Subscription(event=Probe, handler=h.probe_recorded, delivery=Delivery.SYNC),)
    )
    try:
        publish(Probe(ref="k"))
    finally:
        bus.unsubscribe_all("evtest2")
    assert h.SEEN_MODULES == ["evtest", "evtest2"]


def test_the_generic_celery_publisher_sends_parsed_envelopes_to_module_queues(wire, monkeypatch):
    from contextlib import nullcontext

    from app.kernel.events import relay

    sent = []

    class FakeApp:
        def producer_or_acquire(self):
            return nullcontext(None)

        def send_task(self, name, **options):
            sent.append((name, options))

    monkeypatch.setattr(relay, "current_app", FakeApp())
    wire(h.ASYNC)
    publish(Probe(ref="k", seq=4))
    assert relay.Relay(relay.CeleryPublisher()).drain() == 1
    ((name, options),) = sent
    assert name == "seams_events.deliver" and options["queue"] == "evtest"
    envelope = options["kwargs"]["envelope"]
    assert envelope["payload"]["seq"] == 4 and envelope["handler"] == "evtest.probe_recorded"
    assert consume(store.Envelope.from_dict(envelope)) is Outcome.DONE


def test_a_row_left_in_flight_is_claimed_again_once_stale(wire):
    wire(h.ASYNC)
    publish(Probe(ref="k"))
    (lost,) = store.claim(limit=10)  # handed out, then the process/broker lost it
    assert store.claim(limit=10) == []
    assert store.claim(limit=10, stale=True, stale_after=3600) == []
    (again,) = store.claim(limit=10, stale=True, stale_after=0)
    assert again.outbox_id == lost.outbox_id
    assert consume(again) is Outcome.DONE
    assert len(h.effects()) == 1
