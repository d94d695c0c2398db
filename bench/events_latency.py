"""End-to-end event latency, publishing commit → handler start, p50/p99 at a steady rate,
against ``transaction.on_commit(lambda: task.apply_async(...))`` in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_bench \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/events_latency.py

Starts a Celery worker (``-c 2``, queue ``benchlat``) and a relay (``manage.py events relay``)
as separate processes, then for BENCH_SECONDS (default 20) at BENCH_RATE (default 50/s each)
alternately
- publishes ``Pinged(n)`` in a transaction (outbox → NOTIFY → relay → Redis → worker), and
- commits a transaction whose on_commit sends ``benchlat.probe(n)`` directly (the baseline:
  no outbox, so no durability; the lowest latency Celery gives).
Clock: both sides read ``time.time()`` on one machine: the commit time is noted by the
first on_commit callback, the start time by the handler/task, written to Redis.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.events_fixture.settings"
os.environ["SEAMS_EVENT_TRANSPORT"] = "celery"
if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
    sys.exit("set DATABASE_URL=postgres://... and REDIS_URL=redis://...")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from app.celery import app as celery_app  # noqa: E402
from app.kernel.events import publish  # noqa: E402
from app.kernel.events.models import OutboxMessage  # noqa: E402
from bench.events_fixture.handlers import Pinged  # noqa: E402

RATE = float(os.environ.get("BENCH_RATE", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def start(args: list[str], log: Path) -> subprocess.Popen:
    # persistent DB connections in the worker (as in production: DB_CONN_MAX_AGE); with 0,
    # Django opens a new PostgreSQL connection per task, ~10 ms on this machine
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "300"}
    with log.open("w") as out:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def main() -> None:
    celery_app.conf.task_always_eager = False
    call_command("migrate", verbosity=0)
    OutboxMessage.objects.all().delete()
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete("benchlat:outbox", "benchlat:task", "benchlat")
    logs = Path(os.environ.get("BENCH_LOGS", "/tmp"))  # noqa: S108
    py = sys.executable
    worker = start(
        [py, "-m", "celery", "-A", "app", "worker", "-Q", "benchlat", "-c", "2",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "benchlat@%h",
         "--loglevel", "WARNING"],
        logs / "benchlat-worker.log",
    )  # fmt: skip
    relay = start([py, "manage.py", "events", "relay"], logs / "benchlat-relay.log")
    committed_outbox: dict[int, float] = {}
    committed_task: dict[int, float] = {}
    try:
        # warm up: wait until one event and one task went all the way through
        with transaction.atomic():
            publish(Pinged(n=-1))
        celery_app.send_task("benchlat.probe", args=[-1], queue="benchlat")
        deadline = time.monotonic() + 60
        while not (
            client.hexists("benchlat:outbox", "-1") and client.hexists("benchlat:task", "-1")
        ):
            if time.monotonic() > deadline:
                sys.exit("worker/relay did not come up: see the logs in BENCH_LOGS (/tmp)")
            time.sleep(0.1)
        client.delete("benchlat:outbox", "benchlat:task")
        interval = 1 / RATE
        total = int(RATE * SECONDS)
        next_at = time.perf_counter()
        for n in range(total):
            with transaction.atomic():
                transaction.on_commit(lambda n=n: committed_outbox.__setitem__(n, time.time()))
                publish(Pinged(n=n))
            with transaction.atomic():
                transaction.on_commit(lambda n=n: committed_task.__setitem__(n, time.time()))
                transaction.on_commit(
                    lambda n=n: celery_app.send_task("benchlat.probe", args=[n], queue="benchlat")
                )
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            client.hlen("benchlat:outbox") < total or client.hlen("benchlat:task") < total
        ):
            time.sleep(0.2)
    finally:
        for process in (relay, worker):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (relay, worker):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    outbox = {int(k): float(v) for k, v in client.hgetall("benchlat:outbox").items()}
    task = {int(k): float(v) for k, v in client.hgetall("benchlat:task").items()}
    lat_outbox = [(outbox[n] - committed_outbox[n]) * 1000 for n in outbox]
    lat_task = [(task[n] - committed_task[n]) * 1000 for n in task]
    print(f"{total} events and {total} tasks at {RATE:g}/s each for {SECONDS:g} s; "
          f"received {len(lat_outbox)} / {len(lat_task)}")  # fmt: skip
    for label, values in (("on_commit apply_async (baseline)", lat_task),
                          ("outbox -> relay -> worker", lat_outbox)):  # fmt: skip
        print(f"{label:34} p50 {statistics.median(values):7.2f} ms   "
              f"p99 {percentile(values, 99):7.2f} ms   max {max(values):7.2f} ms")  # fmt: skip
    p50 = statistics.median(lat_outbox) / statistics.median(lat_task)
    p99 = percentile(lat_outbox, 99) / percentile(lat_task, 99)
    print(f"ratio outbox / baseline: p50 {p50:.2f}x   p99 {p99:.2f}x")
    client.delete("benchlat:outbox", "benchlat:task", "benchlat")


if __name__ == "__main__":
    main()
