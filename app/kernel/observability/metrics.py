"""Prometheus metrics of the kernel's seams: per module HTTP requests, api calls (local and
remote, with each remote module's breaker state), event handlers and tasks; events published
and delivered; the relay's batches; ownership-guard violations. ADR 0015, docs/observability.md.

Names follow Prometheus conventions (``_total`` counters, ``_seconds`` histograms); every
series carries the module it is about. How the samples of several processes are exposed
(gunicorn workers, Celery prefork children, the relay) is :mod:`.exposition`'s part; the
outbox backlog is read from the database at scrape time (:mod:`.outbox_collector`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pybreaker
from django.http import HttpRequest
from prometheus_client import Counter, Gauge, Histogram

# Multiprocess mode writes a file per process as soon as a metric without labels is defined:
# its directory must exist before the definitions below (any process records samples, e.g.
# ``manage.py migrate`` of a role whose server has not made the directory yet).
if _directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(_directory, exist_ok=True)

LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OK, ERROR = "ok", "error"

HTTP_REQUESTS = Counter(
    "seams_http_requests",
    "HTTP requests answered, by method, route pattern, status code and module of the view.",
    ["method", "route", "status", "module"],
)
HTTP_REQUEST_DURATION = Histogram(
    "seams_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route pattern, status code and module.",
    ["method", "route", "status", "module"],
    buckets=LATENCY,
)
API_CALLS = Counter(
    "seams_module_api_calls",
    "Module api calls by callee module, function, delivery (sync: local, remote) and outcome.",
    ["module", "function", "delivery", "outcome"],
)
API_CALL_DURATION = Histogram(
    "seams_module_api_call_duration_seconds",
    "Time of a module api call as the caller sees it.",
    ["module", "function", "delivery"],
    buckets=LATENCY,
)
BREAKER_STATE = Gauge(
    "seams_remote_breaker_state",
    "Circuit breaker of calls into a remote module: 0 closed, 1 half-open, 2 open "
    "(the worst of this process kind's live processes).",
    ["module"],
    multiprocess_mode="livemax",
)
HANDLER_RUNS = Counter(
    "seams_event_handler_runs",
    "Event handler runs by consuming module, handler, event, delivery and outcome.",
    ["module", "handler", "event", "delivery", "outcome"],
)
HANDLER_DURATION = Histogram(
    "seams_event_handler_duration_seconds",
    "Time an event handler ran.",
    ["module", "handler", "delivery"],
    buckets=LATENCY,
)
TASK_RUNS = Counter(
    "seams_module_task_runs",
    "Module Celery task runs by module, task and outcome.",
    ["module", "task", "outcome"],
)
TASK_DURATION = Histogram(
    "seams_module_task_duration_seconds",
    "Time a module task ran.",
    ["module", "task"],
    buckets=LATENCY,
)
EVENTS_PUBLISHED = Counter(
    "seams_events_published",
    "Events published, by event name.",
    ["event"],
)
DELIVERIES = Counter(
    "seams_event_deliveries",
    "Asynchronous and after-commit deliveries by event, consuming module and outcome: "
    "delivered, duplicate (already in the inbox), retried (failed, retry scheduled), dead "
    "(failed, dead-lettered), forwarded (handed to the module's service); failed = "
    "retried + dead.",
    ["event", "module", "outcome"],
)
DELIVERY_LAG = Histogram(
    "seams_event_delivery_lag_seconds",
    "Time from publishing an event to its handler starting, by consuming module.",
    ["module"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0),
)
RELAY_BATCH_ROWS = Histogram(
    "seams_relay_batch_rows",
    "Rows the relay claimed and published in one batch (empty batches are not counted).",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
)
RELAY_PUBLISH_DURATION = Histogram(
    "seams_relay_publish_duration_seconds",
    "Time the relay took to publish one batch to the broker.",
    buckets=LATENCY,
)
OWNERSHIP_VIOLATIONS = Counter(
    "seams_ownership_violations",
    "SQL run as one module that touched another module's (or the kernel's) tables, by acting "
    "module, owner of the table and guard mode (raise: refused, log: let through).",
    ["module", "owner", "mode"],
)

UNMATCHED_ROUTE = "<unmatched>"
NO_MODULE = ""


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (``api/v1/orders/<int:pk>/``), never the raw path.

    Raw paths would give every id its own time series.
    """
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED_ROUTE


def observe_request(
    method: str, route: str, status: int, seconds: float, module: str | None
) -> None:
    labels = (method, route, str(status), module or NO_MODULE)
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_REQUEST_DURATION.labels(*labels).observe(seconds)


@lru_cache(maxsize=4096)
def _children(
    counter: Counter, histogram: Histogram, labels: tuple[str, ...], timed: tuple[str, ...]
) -> tuple[Any, Any, Any]:
    """The (ok counter, error counter, histogram) children of one label set: ``labels()``
    costs a lock and a dict lookup per call; these paths run on every api call and handler."""
    return counter.labels(*labels, OK), counter.labels(*labels, ERROR), histogram.labels(*timed)


class _Timer:
    """Counts one run as ok or error and observes its duration (a class, not a generator
    context manager: a third of the cost on paths that run for every handler)."""

    __slots__ = ("duration", "error", "ok", "started")

    def __init__(self, children: tuple[Any, Any, Any]) -> None:
        self.ok, self.error, self.duration = children

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.duration.observe(time.perf_counter() - self.started)
        (self.ok if kind is None else self.error).inc()


def _timed(
    counter: Counter, histogram: Histogram, labels: tuple[str, ...], timed: tuple[str, ...]
) -> _Timer:
    return _Timer(_children(counter, histogram, labels, timed))


def api_call(module: str, function: str, delivery: str) -> Any:
    """Count and time one api call (a context manager)."""
    labels = (module, function, delivery)
    return _timed(API_CALLS, API_CALL_DURATION, labels, labels)


def handler_run(module: str, handler: str, event: str, delivery: str) -> Any:
    """Count and time one handler run (a context manager)."""
    return _timed(
        HANDLER_RUNS,
        HANDLER_DURATION,
        (module, handler, event, delivery),
        (module, handler, delivery),
    )


def task_run(module: str, task: str) -> Any:
    """Count and time one module task run (a context manager)."""
    labels = (module, task)
    return _timed(TASK_RUNS, TASK_DURATION, labels, labels)


@lru_cache(maxsize=1024)
def _published(event: str) -> Any:
    return EVENTS_PUBLISHED.labels(event)


def event_published(event: str) -> None:
    _published(event).inc()


def delivery_outcome(event: str, module: str, outcome: str) -> None:
    DELIVERIES.labels(event, module, outcome).inc()


def delivery_lag(module: str, seconds: float) -> None:
    DELIVERY_LAG.labels(module).observe(max(0.0, seconds))


def breaker_listener(module: str) -> Any:
    """A pybreaker listener keeping :data:`BREAKER_STATE` for ``module``."""
    codes = {pybreaker.STATE_CLOSED: 0, pybreaker.STATE_HALF_OPEN: 1, pybreaker.STATE_OPEN: 2}
    gauge = BREAKER_STATE.labels(module)
    gauge.set(0)

    class Listener(pybreaker.CircuitBreakerListener):
        def state_change(self, cb: Any, old_state: Any, new_state: Any) -> None:
            gauge.set(codes.get(new_state.name, 0))

    return Listener()


def timed_batch(rows: int, publish: Callable[[], None]) -> None:
    """Run ``publish`` (one relay batch of ``rows``), recording its size and duration."""
    started = time.perf_counter()
    publish()
    RELAY_PUBLISH_DURATION.observe(time.perf_counter() - started)
    RELAY_BATCH_ROWS.observe(rows)
