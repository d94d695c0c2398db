"""Checkout throughput with tracing and metrics on vs off, same run (target: ≤ 10 % cost with
the sampler at 100 %).

    .venv/bin/python bench/tracing_overhead.py [--checkouts 60] [--rounds 4]

Each round runs N checkouts (``POST /api/v1/orders/`` through Django's test client, then every
delivery drained in process: the saga, its api calls, the outcome's handlers) on a fresh copy
of one migrated SQLite database, in a process of its own, in three modes, interleaved:

- ``bare``: ``OTEL_SDK_DISABLED=true`` and the metric hooks replaced by no-ops (the code
  before issue 12, as near as one process can get);
- ``metrics``: tracing off, metrics on (the cost of the metrics alone);
- ``traced``: the SDK with the always-on sampler, every span exported over OTLP/HTTP
  (batch processor, protobuf) to a receiver in this process that reads and drops them.

Reported: checkouts/s per mode (median of the rounds) and the ratios to ``bare``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("bare", "metrics", "traced")

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
started = time.perf_counter()
for _ in range(n):
    checkout()
print(n / (time.perf_counter() - started))
"""


class _Drop(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def migrated(directory: Path) -> Path:
    template = directory / "template.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{template}", "OTEL_SDK_DISABLED": "true"},
        check=True,
        capture_output=True,
    )
    return template


def one_round(mode: str, template: Path, directory: Path, checkouts: int, endpoint: str) -> float:
    database = directory / f"{mode}.sqlite3"
    shutil.copy(template, database)
    env = {
        **os.environ,
        "SEAMS_ROOT": str(ROOT),
        "BENCH_MODE": mode,
        "BENCH_CHECKOUTS": str(checkouts),
        "DATABASE_URL": f"sqlite:///{database}",
        "SEAMS_EVENT_TRANSPORT": "embedded",
        "SEAMS_EVENTS_EMBEDDED_DISPATCH": "manual",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "THROTTLE_USER": "100000/min",
        "LOG_LEVEL": "WARNING",
        "OTEL_SDK_DISABLED": "false" if mode == "traced" else "true",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_TRACES_SAMPLER": "always_on",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", ROUND], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Drop)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}/v1/traces"
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        template = migrated(directory)
        rates: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(args.rounds):
            for mode in MODES:  # interleaved: drift in the machine's load hits every mode
                rates[mode].append(one_round(mode, template, directory, args.checkouts, endpoint))
    receiver.shutdown()
    base = statistics.median(rates["bare"])
    print(f"{args.checkouts} checkouts x {args.rounds} rounds, median checkouts/s")
    for mode in MODES:
        rate = statistics.median(rates[mode])
        runs = ", ".join(f"{r:.1f}" for r in rates[mode])
        ratio = rate / base
        print(f"{mode:8} {rate:7.1f}/s  ratio to bare {ratio:.3f}  cost {1 - ratio:+.1%}  ({runs})")


if __name__ == "__main__":
    main()
