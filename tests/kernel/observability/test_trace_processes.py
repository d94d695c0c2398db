"""One checkout across real processes is one trace: the web (this process, spans kept in
memory), the relay and a Celery prefork worker (their own processes, exporting over OTLP/HTTP
to a receiver in this test), on PostgreSQL and Redis. The worker's metrics, summed over its
children, are scraped from its own port.

monolith_pass: it starts its own relay and worker on the monolith topology.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest
import redis
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from app.kernel.observability import statements
from modules.orders.models import Order
from tests.app.conftest import ROOT, clean_env
from tests.e2e.shop import fund, product
from tests.kernel.observability.otlp import chain, in_memory_tree, orphans, span_named
from tests.kernel.observability.traced import checkout
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.monolith_pass.with_args(reason="starts its own relay and worker processes"),
    pytest.mark.django_db(transaction=True),
]

CALLER_TRACE = "5bf92f3577b34da6a3ce929d0e0e4737"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture
def roles(receiver, settings, tmp_path):
    """A relay and a two-child prefork worker on the test database; yields the worker's
    metrics port."""
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    db = connection.settings_dict
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        SEAMS_EVENTS_SWEEP_SECONDS="0.2",
        LOG_FORMAT="json",
    )
    relay = start(
        [sys.executable, "manage.py", "events", "relay"],
        tmp_path / "relay.log",
        {**env, **receiver.exporting_env("seams-relay")},
    )
    worker = start(
        [sys.executable, "-m", "celery", "-A", "app", "worker", "-c", "2", "--pool", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"otel-{os.getpid()}@%h", "--loglevel", "INFO"],
        tmp_path / "worker.log",
        {**env, **receiver.exporting_env("seams-worker"), "SEAMS_METRICS_PORT": str(port),
         "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "worker-metrics")},
    )  # fmt: skip
    try:
        wait_for(lambda: "ready." in (tmp_path / "worker.log").read_text(), 60, "the worker")
        yield port
    finally:
        stop(worker)
        stop(relay)


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_one_checkout_is_one_trace_across_web_relay_and_worker(spans, receiver, roles):
    product("MUG", "12.50", stock=5)
    fund(41, "50.00")
    order_id = checkout(41, CALLER_TRACE)
    wait_for(
        lambda: Order.objects.get(pk=order_id).status == Order.Status.CONFIRMED, 60, "checkout"
    )

    trace_id = int(CALLER_TRACE, 16)
    web = in_memory_tree(spans, trace_id, "web")
    wanted = {"notifications.notify_order_confirmed", "analytics.record_sale"}

    def complete() -> dict | None:
        """The trace, once the outcome's handlers and every parent have been exported (a
        parent ends, and so is exported, after its children)."""
        found = {**web, **receiver.tree(trace_id)}
        names = {node.name for node in found.values()}
        return found if wanted <= names and orphans(found) == ["POST api/v1/orders/"] else None

    found = wait_for(complete, 60, "the whole trace to be exported")

    assert orphans(found) == ["POST api/v1/orders/"]  # one trace: the request's span heads it
    services = {node.service for node in found.values()}
    assert {"web", "seams-relay", "seams-worker"} <= services
    path = chain(found, span_named(found, "payments.payment_capture"))
    # from the api call up: the saga's handler, its task, the relay's hop, the request
    assert [step for step in path if step[1] in {
        "payments.payment_capture", "orders.saga_start", "run/seams_events.deliver",
        "relay orders.OrderPlaced", "POST api/v1/orders/",
    }] == [
        ("seams-worker", "payments.payment_capture"),
        ("seams-worker", "orders.saga_start"),
        ("seams-worker", "run/seams_events.deliver"),
        ("seams-relay", "relay orders.OrderPlaced"),
        ("web", "POST api/v1/orders/"),
    ]  # fmt: skip

    # no span per statement: each module-entry span counts its own, only a slow one is spanned
    exported = receiver.spans_of(trace_id)
    (capture,) = [s for s in exported if s.name == "payments.payment_capture"]
    tally = {a.key: a.value for a in capture.attributes}
    assert tally[statements.STATEMENTS].int_value >= 3  # the wallet, the payment, the ledger
    assert tally[statements.TIME_MS].double_value > 0
    spanned = [s for s in exported if any(a.key == statements.DB_STATEMENT for a in s.attributes)]
    slow_ns = statements.DEFAULT_SLOW_MS * 1e6
    assert all(s.end_time_unix_nano - s.start_time_unix_nano >= slow_ns for s in spanned)

    labels = {
        "module": "orders",
        "handler": "orders.saga_start",
        "event": "orders.OrderPlaced",
        "delivery": "async",
        "outcome": "ok",
    }
    key = ("seams_event_handler_runs_total", tuple(sorted(labels.items())))
    runs = wait_for(lambda: scrape(roles).get(key), 30, "the worker's metrics")
    assert runs == 1  # summed over the worker's children, served by its main process
