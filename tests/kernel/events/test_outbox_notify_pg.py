"""On PostgreSQL an INSERT into the outbox wakes the relays at its transaction's commit, from
the table's trigger (ADR 0026): whichever code wrote the rows, with no NOTIFY statement of
its own, and never for rows rolled back."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from app.kernel.events import publish
from app.kernel.events.models import OutboxMessage
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def relayed(wire, settings):
    """Async deliveries go to the outbox for a relay (none runs here)."""
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)


def test_a_published_event_wakes_the_relays_at_commit_and_not_before(relayed, listener):
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        publish(Probe(ref="a"))
        assert not listener.woken(timeout=0.2)  # nothing is sent while it is open
    assert OutboxMessage.objects.count() == 1
    assert listener.woken()
    assert not [q for q in captured.captured_queries if "NOTIFY" in q["sql"].upper()]


def test_a_rolled_back_event_wakes_nobody(relayed, listener):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(Probe(ref="b"))
        OutboxMessage.objects.exists()  # a statement on the outbox: its rows are written
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the caller fails after the write")
    assert not OutboxMessage.objects.exists()
    assert not listener.woken()
