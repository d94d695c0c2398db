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
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest
import redis
from django.db import connection
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client.parser import text_string_to_metric_families

from modules.orders.models import Order
from tests.app.conftest import ROOT, clean_env
from tests.e2e.shop import fund, product
from tests.kernel.http.auth import client_for
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.monolith_pass.with_args(reason="starts its own relay and worker processes"),
    pytest.mark.django_db(transaction=True),
]

CALLER_TRACE = "5bf92f3577b34da6a3ce929d0e0e4737"


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver: ``spans`` holds (service, span) of every export."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Export)
        self.spans: list[tuple[str, object]] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/traces"


class _Export(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope in resource_spans.scope_spans:
                    self.server.spans += [(service, span) for span in scope.spans]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


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
        OTEL_TRACES_EXPORTER="otlp",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY="100",
        LOG_FORMAT="json",
    )
    env.pop("OTEL_SDK_DISABLED", None)
    relay = start(
        [sys.executable, "manage.py", "events", "relay"],
        tmp_path / "relay.log",
        {**env, "OTEL_SERVICE_NAME": "seams-relay"},
    )
    worker = start(
        [sys.executable, "-m", "celery", "-A", "app", "worker", "-c", "2", "--pool", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"otel-{os.getpid()}@%h", "--loglevel", "INFO"],
        tmp_path / "worker.log",
        {**env, "OTEL_SERVICE_NAME": "seams-worker", "SEAMS_METRICS_PORT": str(port),
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
    response = client_for(user_id=41).post(
        "/api/v1/orders/",
        {"items": [{"sku": "MUG", "quantity": 2}]},
        format="json",
        HTTP_TRACEPARENT=f"00-{CALLER_TRACE}-00f067aa0ba902b7-01",
    )
    assert response.status_code == 202
    order_id = response.json()["id"]
    wait_for(
        lambda: Order.objects.get(pk=order_id).status == Order.Status.CONFIRMED, 60, "checkout"
    )

    trace_id = int(CALLER_TRACE, 16)
    web = {
        s.context.span_id: ("web", s.name, s.parent.span_id if s.parent else None)
        for s in spans.get_finished_spans()
        if s.context.trace_id == trace_id
    }

    def exported() -> dict[int, tuple[str, str, int | None]]:
        with receiver.lock:
            found = list(receiver.spans)
        return {
            int.from_bytes(s.span_id): (
                service, s.name, int.from_bytes(s.parent_span_id) if s.parent_span_id else None
            )
            for service, s in found
            if int.from_bytes(s.trace_id) == trace_id
        }  # fmt: skip

    def complete() -> dict | None:
        """The trace, once the outcome's handlers and every parent have been exported (a
        parent ends, and so is exported, after its children)."""
        found = {**web, **exported()}
        names = {name for _, name, _ in found.values()}
        wanted = {"notifications.notify_order_confirmed", "analytics.record_sale"}
        orphans = [i for i, (_, _, parent) in found.items() if parent and parent not in found]
        heads = [found[i][1] for i in orphans]
        return found if wanted <= names and heads == ["POST api/v1/orders/"] else None

    found = wait_for(complete, 60, "the whole trace to be exported")

    def chain(span_id: int) -> list[tuple[str, str]]:
        links = []
        while span_id in found:
            service, name, parent = found[span_id]
            links.append((service, name))
            span_id = parent
        return links

    roots = [name for _, name, parent in found.values() if parent not in found]
    assert roots == ["POST api/v1/orders/"]  # one trace: the request's span heads it
    services = {service for service, _, _ in found.values()}
    assert {"web", "seams-relay", "seams-worker"} <= services
    (capture,) = [i for i, (_, name, _) in found.items() if name == "payments.payment_capture"]
    path = chain(capture)
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
