"""The checkout saga's Prometheus metrics: started, ended (confirmed, or cancelled with its
reason), timed out, and the time from placing an order to its terminal state.

Each is recorded when the transaction that moved the saga commits (a rolled-back step
counts nothing; a step replayed after a crash is recorded by the run whose transaction
committed, once).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter, Histogram

SAGAS_STARTED = Counter("seams_saga_started", "Checkout sagas started (orders placed).")
SAGAS_ENDED = Counter(
    "seams_saga_ended",
    "Checkout sagas that reached a terminal state: outcome confirmed, or cancelled with its "
    "reason (out_of_stock, payment_declined, timed_out, customer_request...).",
    ["outcome", "reason"],
)
SAGAS_TIMED_OUT = Counter(
    "seams_saga_timed_out", "Checkout sagas past their deadline, compensation started."
)
SAGA_DURATION = Histogram(
    "seams_saga_duration_seconds",
    "Time from placing an order to its saga's terminal state, by outcome.",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
)


def saga_started(*, using: str) -> None:
    transaction.on_commit(SAGAS_STARTED.inc, using=using)


def saga_timed_out(*, using: str) -> None:
    transaction.on_commit(SAGAS_TIMED_OUT.inc, using=using)


def saga_ended(*, outcome: str, reason: str, placed_at: datetime, using: str) -> None:
    seconds = max(0.0, (timezone.now() - placed_at).total_seconds())

    def record() -> None:
        SAGAS_ENDED.labels(outcome, reason).inc()
        SAGA_DURATION.labels(outcome).observe(seconds)

    transaction.on_commit(record, using=using)
