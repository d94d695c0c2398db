"""Event metrics move as deliveries do: published, delivered, retried, dead; the handler's
runs and errors; and the outbox backlog /metrics reads from the database (dead letters)."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.kernel.events import publish
from app.kernel.events.testing import dead, drain
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(embedded, effects_table):
    pass


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(name: str, **labels: str) -> float:
    text = Client().get("/metrics").content.decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def test_a_dead_lettered_event_counts_its_retries_its_death_and_shows_in_the_backlog(
    wire, tmp_path
):
    wire(h.ASYNC)
    deliveries = "seams_event_deliveries_total"
    event = {"event": "evtest.Probe", "module": "evtest"}
    before = {
        outcome: value(deliveries, **event, outcome=outcome)
        for outcome in ("delivered", "retried", "dead")
    }
    published = value("seams_events_published_total", event="evtest.Probe")
    errors = value(
        "seams_event_handler_runs_total",
        module="evtest", handler="evtest.probe_recorded", event="evtest.Probe",
        delivery="async", outcome="error",
    )  # fmt: skip
    assert scraped("seams_outbox_rows", module="evtest", status="dead") == 0

    publish(Probe(ref="doomed", fail_unless_exists=str(tmp_path / "never")))
    drain()  # SEAMS_EVENTS_MAX_ATTEMPTS is 3 here: two retries, then dead
    assert len(dead()) == 1

    assert value("seams_events_published_total", event="evtest.Probe") == published + 1
    assert value(deliveries, **event, outcome="retried") == before["retried"] + 2
    assert value(deliveries, **event, outcome="dead") == before["dead"] + 1
    assert value(deliveries, **event, outcome="delivered") == before["delivered"]
    assert value(
        "seams_event_handler_runs_total",
        module="evtest", handler="evtest.probe_recorded", event="evtest.Probe",
        delivery="async", outcome="error",
    ) == errors + 3  # fmt: skip
    assert scraped("seams_outbox_rows", module="evtest", status="dead") == 1
    assert scraped("seams_outbox_oldest_age_seconds", module="evtest", status="dead") >= 0
