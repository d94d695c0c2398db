"""``Subscription(atomic=False)``: the handler runs outside the delivery's transaction and
commits its own work; the inbox is checked before it runs and written after it returns.

These tests need real commits (``transaction=True``): inside a test's transaction every
handler would look as if it ran in one.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from app.kernel.events import Delivery, Subscription, consumer, publish, store
from app.kernel.events.consumer import Outcome, consume
from app.kernel.events.models import InboxEntry, OutboxMessage, OutboxStatus
from app.kernel.events.testing import drain
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _setup(embedded):
    h.create_effect_table()
    h.IN_ATOMIC_BLOCK.clear()


def test_the_handler_runs_with_no_transaction_open_and_gets_its_inbox_entry(wire):
    wire((*h.NON_ATOMIC, *h.ASYNC))
    publish(Probe(ref="k"))
    assert drain() == 2
    assert h.IN_ATOMIC_BLOCK == [False]
    assert set(InboxEntry.objects.values_list("handler", flat=True)) == {
        "evtest.probe_in_own_transactions",
        "evtest.probe_recorded",
    }
    assert all(row.status == OutboxStatus.DONE for row in OutboxMessage.objects.all())


def test_a_redelivery_after_success_does_not_run_it_again(wire):
    wire(h.NON_ATOMIC)
    publish(Probe(ref="k"))
    (envelope,) = store.claim(limit=10)
    assert consume(envelope) is Outcome.DONE
    assert consume(envelope) is Outcome.DUPLICATE  # the broker delivered it twice
    assert len(h.effects()) == 1 and len(h.IN_ATOMIC_BLOCK) == 1


def test_its_work_stays_committed_when_the_inbox_write_fails_and_it_runs_again(wire, monkeypatch):
    """The crash window the handler's own idempotence must cover: the handler committed,
    the inbox entry did not. The delivery is retried and the handler runs a second time."""
    wire(h.NON_ATOMIC)
    publish(Probe(ref="k"))

    def inbox_down(*args, **kwargs):
        raise ConnectionError("database went away after the handler returned")

    with monkeypatch.context() as mp:
        mp.setattr(consumer, "inbox_record", inbox_down)
        (envelope,) = store.claim(limit=10)
        assert consume(envelope) is Outcome.RETRY
    assert len(h.effects()) == 1  # committed by the handler, not rolled back
    assert not InboxEntry.objects.exists()
    assert drain() == 1
    assert len(h.effects()) == 2  # run again: a non-atomic handler must be idempotent
    (row,) = OutboxMessage.objects.all()
    assert row.status == OutboxStatus.DONE and row.attempts == 1


def test_a_failing_handler_keeps_what_it_committed_and_is_retried(wire):
    wire(h.NON_ATOMIC)
    publish(Probe(ref="k", fail_times=1))  # inserts its effect, then raises once
    assert drain() == 2
    assert len(h.effects()) == 2  # the failed attempt's write was its own, committed
    (row,) = OutboxMessage.objects.all()
    assert row.status == OutboxStatus.DONE and row.attempts == 1


def test_a_sync_subscription_cannot_be_non_atomic():
    with pytest.raises(ImproperlyConfigured, match="atomic=False"):
        Subscription(event=Probe, handler=h.probe_recorded, delivery=Delivery.SYNC, atomic=False)
