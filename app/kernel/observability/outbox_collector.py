"""The outbox backlog, read from the database at scrape time: rows not yet done per
consuming module and status, and the age of the oldest of them.

A collector rather than gauges kept by the code: the backlog is the database's state, shared
by every process, so it is read once per scrape, by the web role's ``/metrics`` only (one
GROUP BY per outbox database over the rows not done; the done rows are pruned after the
retention).
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.kernel.events import store
from app.kernel.events.models import OutboxMessage, OutboxStatus

log = structlog.get_logger("seams.metrics")


def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
    rows = GaugeMetricFamily(
        "seams_outbox_rows",
        "Outbox rows not yet done, by consuming module and status (pending: waiting for "
        "the relay or a retry; sent: on a queue; dead: dead letters).",
        labels=["module", "status"],
    )
    age = GaugeMetricFamily(
        "seams_outbox_oldest_age_seconds",
        "Age of the oldest outbox row not yet done, by consuming module and status.",
        labels=["module", "status"],
    )
    return rows, age


class OutboxCollector(Collector):
    def describe(self) -> Iterator[Metric]:
        """The families, without reading the database (registration, deploy/check.py)."""
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        rows, age = _families()
        now = timezone.now()
        for alias in store.outbox_dbs():
            try:
                found = list(
                    OutboxMessage.objects.using(alias)
                    .exclude(status=OutboxStatus.DONE)
                    .values("module", "status")
                    .annotate(n=Count("id"), oldest=Min("created_at"))
                    .order_by()
                )
            except Exception:  # a scrape must answer even while a database is away
                log.warning("outbox backlog not readable", database=alias, exc_info=True)
                continue
            for row in found:
                labels = [row["module"], row["status"]]
                rows.add_metric(labels, row["n"])
                age.add_metric(labels, max(0.0, (now - row["oldest"]).total_seconds()))
        yield rows
        yield age
