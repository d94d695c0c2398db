"""What a checkout cannot cost less than, with the brief's seams, as multiples of the baseline
request measured in the same run (issue 13's 25 % target allows a checkout at most 4 of them).

    make bench-floor      # bench/checkout/floor.py: ~3 minutes; results/floor-c4.json

However lean its handlers, a checkout is at least: the POST (a request doing all that the
baseline's does and more), the read that sees the order confirmed (one GET), three Celery
deliveries (the saga on orders' queue, the two reactions to ``OrderConfirmed`` on the
notifications and analytics queues: one task each, as the brief's one queue per consuming
module makes them), and PostgreSQL's own work for the checkout's statements. In interleaved
rounds on `make up` (the production profile, as ``run.py`` starts it) this measures the CPU
(server processes and their PostgreSQL backends) of:

- the baseline request (``POST /bench/insert/``, ``run.py``'s baseline server);
- ``GET /api/v1/orders/{id}/`` of a confirmed order (the checkout's last read);
- a Celery task that does nothing, run by the project's own worker command and settings
  (prefork, late acks, INFO logs, the task hooks), on a broker database of its own;
- the checkout itself (held read, ``load.checkout``), by role: PostgreSQL's share is the
  statements' own cost.

It prints each as a multiple of the baseline request and the ceiling the sum puts on
checkout / baseline: ``seams``, the POST and the GET at the baseline's and the GET's cost plus
three empty deliveries (every handler, the relay and PostgreSQL free); ``seams + postgres``,
the same plus PostgreSQL's CPU per checkout for today's statements.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import redis
from celery import Celery

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.checkout import load, run  # noqa: E402
from bench.checkout.systems import SYSTEMS, baseline, one_role  # noqa: E402

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TASKS = int(os.environ.get("BENCH_TASKS", "1500"))
NOOP_TASK = "benchbaseline.noop"  # bench/checkout/baseline/tasks.py
NOOP_QUEUE = "seams_events"  # the kernel queue (its default name): where such a task goes


def read_confirmed(orders: dict[str, str]) -> load.Operation:
    """GET the customer's confirmed order, whole (what the checkout's last read answers)."""

    async def operation(client: httpx.AsyncClient, customer: load.Customer) -> str:
        response = await client.get(orders[customer.email])
        return "ok" if response.status_code == 200 else f"http_{response.status_code}"

    return operation


class NoopWorker:
    """The project's worker command under honcho (as `make up` runs it), with the baseline's
    settings (which add the no-op task), on a Redis database of its own: every task it runs
    does nothing."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        number = int(env["REDIS_URL"].rsplit("/", 1)[1]) + 2  # past run.py's broker and cache
        self.broker_url = f"{env['REDIS_URL'].rsplit('/', 1)[0]}/{number}"
        self.broker = redis.Redis.from_url(self.broker_url)
        self.broker.flushdb()
        worker_env = {
            **env,
            "REDIS_URL": self.broker_url,
            "DJANGO_SETTINGS_MODULE": "bench.checkout.baseline.settings",
            "PROMETHEUS_WORKER_MULTIPROC_DIR": str(logs / "prometheus-noop"),
        }
        self.process = one_role("noop", "worker", worker_env, logs)
        self.celery = Celery(broker=self.broker_url)
        try:
            self.run(50)  # ready: its pool has started and drained a first batch
        except Exception:
            self.stop()
            raise

    def publish(self, n: int) -> None:
        with self.celery.producer_or_acquire() as producer:
            for _ in range(n):
                self.celery.send_task(NOOP_TASK, queue=NOOP_QUEUE, producer=producer)

    def run(self, n: int, timeout: float = 300.0) -> None:
        """Publish ``n`` tasks and wait until every one has been run and acked."""
        self.publish(n)
        deadline = time.monotonic() + timeout
        while self.broker.llen(NOOP_QUEUE) or self.broker.hlen("unacked"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the no-op worker did not drain its queue")
            time.sleep(0.05)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)
        self.broker.flushdb()


def cpu_ms(roots: list[int], q, action) -> float:
    """CPU milliseconds spent while ``action`` ran by every process under ``roots`` and every
    PostgreSQL backend on the bench database (as ``run.cpu_seconds`` counts them)."""
    before = run.cpu_seconds(roots, q)
    action()
    after = run.cpu_seconds(roots, q)
    return 1000 * sum(s - before.get(pid, (role, 0.0))[1] for pid, (role, s) in after.items())


def one_round(system, baseline_server, noop: NoopWorker, customers, orders, q) -> dict:
    def phase(url, operation, roots) -> tuple[dict, load.Phase]:
        before = run.cpu_seconds(roots, q)
        done = asyncio.run(
            load.closed_loop(url, customers, operation, name="floor", seconds=SECONDS)
        )
        return run.cpu_per_op(before, run.cpu_seconds(roots, q), done), done

    base, _ = phase(
        baseline_server.base_url, load.insert_row("/bench/insert/"), baseline_server.pids()
    )
    read, _ = phase(system.base_url, read_confirmed(orders), system.pids())
    task = cpu_ms([noop.process.pid], q, lambda: noop.run(TASKS)) / TASKS
    checkout, done = phase(system.base_url, load.checkout, system.pids())
    run.wait_drained(q)
    return {
        "baseline_ms": base["all"],
        "baseline_postgres_ms": base.get("postgres", 0.0),
        "get_ms": read["all"],
        "noop_task_ms": round(task, 2),
        "checkout_ms": checkout["all"],
        "checkout_postgres_ms": checkout.get("postgres", 0.0),
        "checkouts_per_s": done.rate(),
    }


def ceilings(r: dict) -> dict:
    """Each cost as multiples of the baseline request, and the ceilings on checkout/baseline."""
    unit = r["baseline_ms"]
    seams = (unit + r["get_ms"] + 3 * r["noop_task_ms"]) / unit
    with_postgres = seams + r["checkout_postgres_ms"] / unit
    return {
        "get": round(r["get_ms"] / unit, 2),
        "noop_task": round(r["noop_task_ms"] / unit, 2),
        "checkout_postgres": round(r["checkout_postgres_ms"] / unit, 2),
        "postgres_vs_baseline_postgres": round(
            r["checkout_postgres_ms"] / max(r["baseline_postgres_ms"], 0.01), 1
        ),
        "checkout": round(r["checkout_ms"] / unit, 2),
        "seams_floor": round(seams, 2),
        "seams_and_postgres_floor": round(with_postgres, 2),
        "ceiling_seams": round(1 / seams, 3),
        "ceiling_seams_and_postgres": round(1 / with_postgres, 3),
        "measured": round(unit / r["checkout_ms"], 3),
    }


def main() -> None:
    config = run.settings_from_environment()
    base = Path(tempfile.mkdtemp(prefix="seams-bench-floor-"))
    env = run.process_env(config, base)
    run.reset_stores(config)
    started = time.time()
    system = baseline_server = noop = None
    try:
        system = SYSTEMS["up"](env, base)
        run.manage(env, "createsuperuser", "--noinput")
        baseline_server = baseline(env, base)
        noop = NoopWorker(env, base)
        customers = run.set_up_shop(system.base_url, CONCURRENCY)
        q = run.query(config["database_url"])
        asyncio.run(
            load.closed_loop(system.base_url, customers, load.checkout, name="warm", seconds=4)
        )
        run.wait_drained(q)
        orders = {}
        for customer in customers:
            (order_id,) = q(
                "SELECT max(o.id) FROM orders_order o JOIN accounts_user u "
                "ON u.id = o.customer_id WHERE u.email = %s AND o.status = 'confirmed'",
                (customer.email,),
            )[0]
            orders[customer.email] = f"/api/v1/orders/{order_id}/"
        rounds = []
        for n in range(ROUNDS):
            measured = one_round(system, baseline_server, noop, customers, orders, q)
            rounds.append({**measured, **ceilings(measured)})
            print(json.dumps({"round": n + 1, **rounds[-1]}), file=sys.stderr, flush=True)
    finally:
        for running in (noop, baseline_server, system):
            if running is not None:
                running.stop()
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    document = json.dumps({
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "concurrency": CONCURRENCY, "seconds": SECONDS, "tasks": TASKS,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "rounds": rounds, "median": median,
    }, indent=2)  # fmt: skip
    print(document)
    (run.RESULTS / f"floor-c{CONCURRENCY}.json").write_text(document + "\n")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
