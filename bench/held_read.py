"""A held read woken by its order's notification (ADR 0027) against the re-reads every
10-250 ms it replaced (ADR 0025), in one process, same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_held \\
        .venv/bin/python bench/held_read.py [--reads 20] [--rounds 3]

A held read is ``GET /api/v1/orders/<id>/`` with ``Prefer: wait=10`` on a pending order,
through Django's test client (JWT, the throttles, every middleware), on the PostgreSQL
database ``DATABASE_URL`` names (migrated here), ``DEBUG`` off. A second thread plays the
saga: a given delay after the read began, it confirms the order in a transaction of its own
(the trigger of ``orders.0004`` notifies at its commit). The delays are how long a checkout
took on a quiet machine at 1-4 customers and at 16 (docs/benchmarks.md). After each read
the order is put back to pending. The modes:

- ``woken``: as shipped; the read watches the order (``app.kernel.wakeups``);
- ``re-read``: the watch a process gets with no listener (as on SQLite): pauses of 10 ms
  growing by a quarter up to 250 ms.

Blocks of ``--reads`` per (mode, delay), the modes' order flipped every round. Reported per
delay and mode, medians over the rounds: reads of the order per held read; CPU ms per held
read of this process (the saga thread's own CPU taken out: the request's thread and the
listener's) and of the request's PostgreSQL backend (from ``/proc``); and how many ms after
the decision's commit the answer was back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="app.settings",
    LOG_LEVEL="WARNING",
    DEBUG="false",
    DB_CONN_MAX_AGE="3600",  # one backend serves the request thread throughout
    SEAMS_API_STRICT="false",  # as in production
    THROTTLE_USER="1000000/min",  # counted, never refused
    SEAMS_EVENT_TRANSPORT="embedded",
    SEAMS_EVENTS_EMBEDDED_DISPATCH="manual",  # no saga but the bench's own
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from app.kernel import wakeups  # noqa: E402
from bench.in_process import pending_order  # noqa: E402
from modules.orders import selectors  # noqa: E402
from modules.orders.models import Order  # noqa: E402

DELAYS_MS = (60, 200, 650)
MODES = ("woken", "re-read")


@contextmanager
def no_listener(channel: str, key: str, *, using: str):
    yield wakeups.Watch(None)


def backend_pid() -> int:
    """The PostgreSQL backend serving this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def cpu_seconds(pid: int) -> float:
    """CPU seconds so far of process ``pid`` (on this machine)."""
    # fields 14 and 15 of the process's stat: user and system time, in clock ticks
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:13]) / os.sysconf("SC_CLK_TCK")


class Saga(threading.Thread):
    """Confirms the order ``delay`` seconds after each :meth:`start_read`."""

    def __init__(self, order_id: int) -> None:
        super().__init__(daemon=True)
        self.order_id = order_id
        self.go, self.done = threading.Event(), threading.Event()
        self.delay = 0.0
        self.committed_at = 0.0
        self.cpu = 0.0  # this thread's CPU seconds, taken out of the process's

    def start_read(self, delay: float) -> None:
        self.delay, self.done = delay, threading.Event()
        self.go.set()

    def run(self) -> None:
        while True:
            self.go.wait()
            self.go.clear()
            time.sleep(self.delay)
            began = time.thread_time()
            Order.objects.filter(pk=self.order_id).update(status=Order.Status.CONFIRMED)
            self.committed_at = time.monotonic()
            self.cpu += time.thread_time() - began
            self.done.set()


def held_reads(client, path: str, saga: Saga, delay: float, n: int) -> tuple[float, ...]:
    """Reads per held read, CPU ms of the process and of the backend, ms late (median)."""
    reads = 0
    counted = selectors._version

    def version(*args):
        nonlocal reads
        reads += 1
        return counted(*args)

    selectors._version = version
    late, cpu, backend = [], 0.0, 0.0
    pid = backend_pid()
    try:
        for _ in range(n):
            saga_cpu, cpu_before, backend_before = saga.cpu, time.process_time(), cpu_seconds(pid)
            saga.start_read(delay)
            answer = client.get(path, HTTP_PREFER="wait=10")
            answered = time.monotonic()
            saga.done.wait()
            backend_after = cpu_seconds(pid)
            cpu += time.process_time() - cpu_before - (saga.cpu - saga_cpu)
            backend += backend_after - backend_before
            assert answer.json()["status"] == "confirmed", answer.content
            late.append((answered - saga.committed_at) * 1000)
            Order.objects.filter(pk=saga.order_id).update(status=Order.Status.PENDING)
    finally:
        selectors._version = counted
    assert backend_pid() == pid, "the request's connection was replaced: its backend CPU is lost"
    return reads / n, cpu / n * 1000, backend / n * 1000, statistics.median(late)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("held_read.py: set DATABASE_URL to a PostgreSQL server on this machine")
    call_command("migrate", verbosity=0)
    client, path = pending_order()
    saga = Saga(int(path.rstrip("/").rsplit("/", 1)[1]))
    saga.start()
    real_watch = wakeups.watch
    watches = {"woken": real_watch, "re-read": no_listener}
    for mode in MODES:  # warm-up: the listener connected, plans cached
        selectors.wakeups.watch = watches[mode]
        held_reads(client, path, saga, 0.02, 5)
    figures: dict[tuple[int, str], list[tuple[float, ...]]] = {}
    for round_ in range(args.rounds):
        for delay in DELAYS_MS:
            for mode in MODES[:: -1 if round_ % 2 else 1]:
                selectors.wakeups.watch = watches[mode]
                measured = held_reads(client, path, saga, delay / 1000, args.reads)
                figures.setdefault((delay, mode), []).append(measured)
    selectors.wakeups.watch = real_watch
    wakeups.stop_listening()
    connections.close_all()
    print(f"per held read, median of {args.rounds} rounds of {args.reads}")
    print("decided after | mode    | reads | CPU ms, web process | CPU ms, PostgreSQL | ms late")
    for delay in DELAYS_MS:
        medians = {
            mode: [statistics.median(run[i] for run in figures[delay, mode]) for i in range(4)]
            for mode in MODES
        }
        for mode in MODES:
            reads, cpu, backend, late = medians[mode]
            row = f"{delay:>10} ms | {mode:<7} | {reads:5.1f} | {cpu:19.2f} | {backend:18.2f}"
            print(f"{row} | {late:7.1f}")
        woken, reread = medians["woken"], medians["re-read"]
        print(
            f"{'':>13} | woken / re-read: CPU {woken[1] / reread[1]:.2f}x web, "
            f"{woken[2] / reread[2] if reread[2] else float('nan'):.2f}x PostgreSQL"
        )


if __name__ == "__main__":
    main()
