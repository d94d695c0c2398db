"""Property: whatever the mix of keys and transient failures, every event has exactly one
effect per handler, and events of one key take effect in publish order."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kernel.events import bus, publish
from app.kernel.events.models import InboxEntry, OutboxMessage, OutboxStatus
from app.kernel.events.testing import drain
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe

pytestmark = pytest.mark.django_db

batches = st.lists(  # transactions, each publishing events (key, failures before success)
    st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 2)), min_size=1, max_size=4),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batches=batches)
def test_exactly_once_and_per_key_order(embedded, effects_table, wire, batches):
    if bus.subscription("evtest.Probe", "evtest.probe_recorded") is None:
        wire(h.ASYNC)  # once per test, not per example
    OutboxMessage.objects.all().delete()
    InboxEntry.objects.all().delete()
    h.create_effect_table()
    published: list[Probe] = []
    seq = 0
    for batch in batches:
        events = []
        for key, failures in batch:
            events.append(Probe(ref=key, seq=seq, fail_times=failures))
            seq += 1
        with transaction.atomic():
            publish(*events)
        published += events
    drain()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}
    effects = h.effects()
    assert sorted(e[0] for e in effects) == sorted(str(p.event_id) for p in published)
    for key in "abc":
        assert [s for _, k, s in effects if k == key] == [p.seq for p in published if p.ref == key]
