"""Checkout throughput with tracing and metrics on vs off, same run (target: ≤ 10 % cost with
the sampler at 100 %).

    .venv/bin/python bench/tracing_overhead.py [--checkouts 60] [--rounds 4]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_bench \
        .venv/bin/python bench/tracing_overhead.py    # on PostgreSQL: psycopg's spans too

Each round runs N checkouts (``POST /api/v1/orders/`` through Django's test client, then every
delivery drained in process: the saga, its api calls, the outcome's handlers) on a fresh copy
of one migrated database (SQLite, or PostgreSQL when ``DATABASE_URL`` names it: there the
psycopg instrumentation adds a span per statement, most of a checkout's spans), in a process
of its own, in three modes, interleaved:

- ``bare``: ``OTEL_SDK_DISABLED=true`` and the metric hooks replaced by no-ops (the code
  before issue 12, as near as one process can get);
- ``metrics``: tracing off, metrics on (the cost of the metrics alone);
- ``unexported``: the production default, the SDK recording spans for the ids on log lines
  and across processes with no exporter (``OTEL_TRACES_EXPORTER=none``: no psycopg spans);
- ``traced``: the SDK with the always-on sampler, every span exported over OTLP/HTTP
  (batch processor, protobuf) to a receiver in this process that reads and drops them, as
  configured by default when exporting: module-entry spans count their statements, only a
  statement slower than ``SEAMS_TRACE_SLOW_STATEMENT_MS`` (100) gets a span;
- ``traced-every-statement``: the same with ``SEAMS_TRACE_SLOW_STATEMENT_MS=0``: the psycopg
  instrumentation's span for every SQL statement (most of a checkout's spans).

The modes run in a different order each round (the order reversed every other round), so
drift in the machine's load falls on each of them alike. Reported per mode and round:
checkouts per second of wall-clock time and per second of the round process's CPU time
(every thread, the span exporter's included; the receiver's is not), and per mode the
median, lowest and highest of its per-round ratios to that round's ``bare``. On a shared,
busy machine the CPU-time figure is the steadier one: other processes' load stretches the
wall clock of a round, not the CPU time its own work takes.

    .venv/bin/python bench/tracing_overhead.py --topology [--rounds 2]

measures the same on ``make up`` instead (production profile: gunicorn, Celery, the relay,
PostgreSQL and Redis, every process traced), through ``make bench-checkout``'s harness
(``bench/checkout/run.py``, its environment variables apply; defaults here
``BENCH_CONCURRENCY=4,8``, ``BENCH_SECONDS=12``, no profile): ``up`` with
``OTEL_SDK_DISABLED=true``, ``up`` exporting every span (``always_on``) over OTLP/HTTP to
a receiver in a process of its own that reads and drops them, and the same with a span per
statement (``SEAMS_TRACE_SLOW_STATEMENT_MS=0``), one after the other ``--rounds`` times.
Reported per system: the peak checkouts confirmed per second and the CPU every process of
the topology took per checkout, and per round each traced system against the untraced one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

ROOT = Path(__file__).resolve().parent.parent
MODES = ("bare", "metrics", "unexported", "traced", "traced-every-statement")
TRACED = {"unexported", "traced", "traced-every-statement"}  # the SDK installed
CHECKOUT_SPAN = "POST api/v1/orders/"

ROUND = r"""
import os, sys, time
from decimal import Decimal
sys.path.insert(0, os.environ["SEAMS_ROOT"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
import django
django.setup()
if os.environ["BENCH_MODE"] == "bare":
    from modules.orders import metrics as saga_metrics
    from app.kernel.observability import metrics, middleware
    class _Nothing:
        def __enter__(self): pass
        def __exit__(self, *a): pass
    nothing = _Nothing()
    for name in ("api_call", "handler_run", "task_run"):
        setattr(metrics, name, lambda *a, **k: nothing)
    for name in ("event_published", "delivery_outcome", "delivery_lag"):
        setattr(metrics, name, lambda *a, **k: None)
    middleware.observe_request = lambda *a, **k: None
    for name in ("saga_started", "saga_timed_out", "saga_ended"):
        setattr(saga_metrics, name, lambda *a, **k: None)
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken
from app.kernel.events.testing import drain
from app.kernel.ownership import acting_as
from modules.catalog import services as catalog
from modules.inventory import services as inventory
from modules.payments import services as payments
n = int(os.environ["BENCH_CHECKOUTS"])
with acting_as("catalog"):
    catalog.product_create(sku="MUG", name="Mug", price=Decimal("2.00"), active=True)
with acting_as("inventory"):
    inventory.stock_adjust(sku="MUG", delta=10 * n)
with acting_as("payments"):
    payments.wallet_top_up(customer_id=5, amount=Decimal("900.00"))
token = AccessToken(); token["user_id"] = "5"; token["is_staff"] = False
client = APIClient(); client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
ITEMS = {"items": [{"sku": "MUG", "quantity": 1}]}
def checkout():
    assert client.post("/api/v1/orders/", ITEMS, format="json").status_code == 202
    drain()
for _ in range(3):
    checkout()  # warm-up: caches, plans, connections
def backend():  # this process's PostgreSQL backend: (pid, CPU seconds); None on SQLite or
    # with the database on another machine
    from django.db import connection
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    if not os.path.exists(stat := f"/proc/{pid}/stat"):
        return None
    # fields 14 and 15 of the process's stat: user and system time, in clock ticks
    ticks = sum(int(f) for f in open(stat).read().rsplit(")", 1)[1].split()[11:13])
    return pid, ticks / os.sysconf("SC_CLK_TCK")
backend_before = backend()
started, cpu = time.perf_counter(), time.process_time()
for _ in range(n):
    checkout()
rates = [n / (time.perf_counter() - started), n / (time.process_time() - cpu)]
# CPU seconds per checkout of this process's PostgreSQL backend, when one connection served
# the whole round (CONN_MAX_AGE set); else nan
backend_after = backend()
same = backend_before and backend_after and backend_before[0] == backend_after[0]
rates.append((backend_after[1] - backend_before[1]) / n if same else float("nan"))
if os.environ["BENCH_MODE"] == "traced":
    # one span's CPU cost here, as a module-entry span pays it (best of 5 batches)
    from app.kernel.observability.tracing import module_span
    def spans(k=2000):
        begun = time.process_time()
        for _ in range(k):
            with module_span("bench", "api", "probe", "sync"):
                pass
        return (time.process_time() - begun) / k
    rates.append(min(spans() for _ in range(5)))
print(*rates)
"""


class _Receiver(ThreadingHTTPServer):
    """Reads and drops exported spans, counting those of the checkouts' traces."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Drop)
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.spans: dict[bytes, int] = {}  # trace id → spans
        self.checkouts: set[bytes] = set()  # trace ids with the request's span

    def spans_per_checkout(self) -> float:
        with self.lock:
            spans = sum(self.spans[trace] for trace in self.checkouts)
            return spans / len(self.checkouts)


class _Drop(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    for span in scope.spans:
                        self.server.spans[span.trace_id] = (
                            self.server.spans.get(span.trace_id, 0) + 1
                        )
                        if span.name == CHECKOUT_SPAN:
                            self.server.checkouts.add(span.trace_id)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class Databases:
    """A migrated template and a fresh copy of it per round: SQLite files under
    ``directory``, or, with ``DATABASE_URL`` naming PostgreSQL, databases named after it
    (``<name>_template``, ``<name>_round``: dropped and created, from the template)."""

    def __init__(self, directory: Path) -> None:
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith("postgres")
        if self.postgres:
            self.server, _, name = url.rpartition("/")
            self.template, self.round = f"{name}_template", f"{name}_round"
            self._recreate(self.template)
            template_url = f"{self.server}/{self.template}"
        else:
            self.directory = directory
            template_url = f"sqlite:///{directory / 'template.sqlite3'}"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": template_url, "OTEL_SDK_DISABLED": "true"},
            check=True,
            capture_output=True,
        )

    def _recreate(self, name: str, template: str | None = None) -> None:
        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(
                f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            )

    def fresh(self) -> str:
        """The URL of a fresh copy of the template."""
        if self.postgres:
            self._recreate(self.round, self.template)
            return f"{self.server}/{self.round}"
        database = self.directory / "round.sqlite3"
        shutil.copy(self.directory / "template.sqlite3", database)
        return f"sqlite:///{database}"

    def close(self) -> None:
        if self.postgres:
            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as db:
                for name in (self.round, self.template):
                    db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def one_round(
    mode: str,
    databases: Databases,
    checkouts: int,
    endpoint: str,
    extra_env: dict[str, str] | None = None,
) -> list[float]:
    """Checkouts per second of wall-clock time, per second of the process's CPU time; the
    CPU seconds per checkout of its PostgreSQL backend (nan unless one persistent connection,
    ``DB_CONN_MAX_AGE``, served the round); and, traced, one span's CPU seconds.
    ``extra_env``: settings of the round's process on top of the mode's."""
    env = {
        **os.environ,
        "SEAMS_ROOT": str(ROOT),
        "BENCH_MODE": mode,
        "BENCH_CHECKOUTS": str(checkouts),
        "DATABASE_URL": databases.fresh(),
        "SEAMS_EVENT_TRANSPORT": "embedded",
        "SEAMS_EVENTS_EMBEDDED_DISPATCH": "manual",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "THROTTLE_USER": "100000/min",
        "LOG_LEVEL": "WARNING",
        "OTEL_SDK_DISABLED": "false" if mode in TRACED else "true",
        "SEAMS_TRACE_SLOW_STATEMENT_MS": "0" if mode == "traced-every-statement" else "",
        "OTEL_TRACES_EXPORTER": "none" if mode == "unexported" else "otlp",
        "OTEL_TRACES_SAMPLER": "always_on",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
        **(extra_env or {}),
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", ROUND], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return [float(figure) for figure in done.stdout.strip().splitlines()[-1].split()]


class _Discard(BaseHTTPRequestHandler):
    """Reads an export and answers 200: a collector that costs the topology nothing."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# the systems of one topology round, in order: (kind, what ``--system`` adds to ``up``)
TOPOLOGY = (
    ("off", "OTEL_SDK_DISABLED=true"),
    ("traced", ""),  # the default when exporting: statements counted, slow ones spanned
    ("traced-every-statement", "SEAMS_TRACE_SLOW_STATEMENT_MS=0"),
)


def topology(rounds: int) -> None:
    """``make up`` untraced and traced (twice: by default, every statement), alternated,
    through the checkout harness."""
    port = _free_port()
    # the receiver in a process of its own: the harness's load client is not slowed by it
    receiver = subprocess.Popen([sys.executable, __file__, "--discard", str(port)])
    exporting = (
        "OTEL_TRACES_EXPORTER=otlp,OTEL_TRACES_SAMPLER=always_on,"
        f"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:{port}/v1/traces"
    )
    specs = [
        "up:" + (extra if kind == "off" else ",".join(filter(None, (exporting, extra))))
        for kind, extra in TOPOLOGY
    ]
    env = {"BENCH_CONCURRENCY": "4,8", "BENCH_SECONDS": "12", "BENCH_PROFILE": "0", **os.environ}
    label = "tracing-topology"
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "bench/checkout/run.py"), "--label", label,
             *(arg for _ in range(rounds) for spec in specs for arg in ("--system", spec))],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        receiver.kill()
    summarize(label, rounds)


def summarize(label: str, rounds: int) -> None:
    """Per system, and per round each traced system against the untraced one before it,
    from the harness's saved results."""
    sys.path.insert(0, str(ROOT))
    from bench.checkout.report import peak

    results = ROOT / "bench" / "checkout" / "results"
    per_round = len(TOPOLOGY)
    runs = [
        json.loads((results / f"{label}-{n}-up.json").read_text())
        for n in range(1, per_round * rounds + 1)
    ]

    def cpu(run: dict) -> list[float]:
        return [phase["cpu_ms_per_op"]["all"] for phase in run["phases"]["checkout"]]

    print("system: peak checkouts confirmed/s; CPU ms per checkout, all processes, per concurrency")
    for n, run in enumerate(runs):
        kind = TOPOLOGY[n % per_round][0]
        print(
            f"  {kind:22}  {peak(run, 'checkout'):5.1f}/s  "
            f"{', '.join(f'{c:.1f}' for c in cpu(run))}"
        )
    for index in range(rounds):
        plain, *traced = runs[per_round * index : per_round * (index + 1)]
        for (kind, _), run in zip(TOPOLOGY[1:], traced, strict=True):
            rate = peak(run, "checkout") / peak(plain, "checkout")
            spent = statistics.mean(cpu(run)) / statistics.mean(cpu(plain))
            print(
                f"round {index + 1}, {kind} / off: checkouts per second {rate:.2f}x "
                f"(cost {1 - rate:+.1%}), CPU per checkout {spent:.2f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", type=int, default=60)
    parser.add_argument("--rounds", type=int, help="default 4; with --topology 2")
    parser.add_argument("--topology", action="store_true", help="make up, off vs traced")
    parser.add_argument("--discard", type=int, help=argparse.SUPPRESS)  # the receiver
    args = parser.parse_args()
    if args.discard:
        ThreadingHTTPServer(("127.0.0.1", args.discard), _Discard).serve_forever()
    if args.topology:
        topology(args.rounds or 2)
        return
    args.rounds = args.rounds or 4
    receiver = _Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}/v1/traces"
    with tempfile.TemporaryDirectory() as scratch:
        databases = Databases(Path(scratch))
        rates: dict[str, list[list[float]]] = {mode: [] for mode in MODES}
        spans: list[float] = []  # per traced round: spans per checkout
        for index in range(args.rounds):
            order = MODES if index % 2 == 0 else MODES[::-1]
            for mode in order:
                receiver.reset()
                rates[mode].append(one_round(mode, databases, args.checkouts, endpoint))
                if mode == "traced":  # the process flushed its spans as it exited
                    spans.append(receiver.spans_per_checkout())
        databases.close()
    receiver.shutdown()
    print(f"{args.checkouts} checkouts x {args.rounds} rounds")
    for clock, label in enumerate(("wall-clock", "CPU time (all threads of the round)")):
        print(f"checkouts per second of {label}, per round:")
        for mode in MODES:
            runs = [r[clock] for r in rates[mode]]
            ratios = [r[clock] / b[clock] for r, b in zip(rates[mode], rates["bare"], strict=True)]
            ratio = statistics.median(ratios)
            print(
                f"  {mode:22} median {statistics.median(runs):6.1f}/s  ratio to bare (same round)"
                f" median {ratio:.3f} [{min(ratios):.3f}-{max(ratios):.3f}]  cost {1 - ratio:+.1%}"
                f"  ({', '.join(f'{r:.1f}' for r in runs)})"
            )
    # the same cost from its parts: spans a checkout records x what one span costs, against
    # the CPU a checkout takes without them (steadier than the ratios when the machine is busy)
    per_span = statistics.median(r[3] for r in rates["traced"])
    per_checkout = statistics.median(spans)
    bare_cpu = 1 / statistics.median(r[1] for r in rates["bare"])
    estimate = per_checkout * per_span / bare_cpu
    print(
        f"traced: {per_checkout:.0f} spans per checkout x {per_span * 1e6:.1f} µs CPU per span "
        f"= {per_checkout * per_span * 1e3:.2f} ms of a bare checkout's {bare_cpu * 1e3:.1f} ms "
        f"CPU: estimated cost {estimate:+.1%}"
    )


if __name__ == "__main__":
    main()
