"""Relay throughput, PostgreSQL outbox → Redis, vs a plain Celery ``apply_async`` loop; and
memory while the relay drains a 100k-row backlog.

    createdb -h 127.0.0.1 -U postgres seams_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_bench \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/events_relay_throughput.py

Method (one run, same machine, same Redis):
- baseline: ``seams_events.deliver.apply_async(kwargs={"envelope": ...}, queue=...)`` N times
  in a loop: what a publisher without an outbox pays per task (no database at all);
- relay: N outbox rows (written beforehand by ``publish`` in transactions of 1,000 events),
  then ``Relay.drain()``: claim batches FOR UPDATE SKIP LOCKED, publish each batch to Redis in
  one pipeline, mark sent, commit. Timed from the first claim to the last commit;
- relay with the generic publisher (one ``send_task`` per row, reused producer), to show
  what the pipeline buys;
- memory: a 100k backlog drained while a thread samples the process RSS every 50 ms.
The broker lists are deleted after each step. BENCH_N (default 20000) sets N.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("set DATABASE_URL=postgres://... (and REDIS_URL=redis://...)")
if not os.environ.get("REDIS_URL"):
    sys.exit("set REDIS_URL=redis://...")
os.environ["SEAMS_EVENT_TRANSPORT"] = "celery"

import django

django.setup()

import redis  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from app.celery import app as celery_app  # noqa: E402
from app.kernel.events import Delivery, Event, Subscription, bus, publish  # noqa: E402
from app.kernel.events.models import OutboxMessage  # noqa: E402
from app.kernel.events.relay import CeleryPublisher, RedisPipelinePublisher, Relay  # noqa: E402
from app.kernel.events.tasks import deliver  # noqa: E402

N = int(os.environ.get("BENCH_N", "20000"))
QUEUE = "bench_relay"
BASELINE_QUEUE = "bench_apply_async"


class BenchHappened(Event):
    name: ClassVar[str] = "bench.Happened"
    key_field: ClassVar[str] = "thing_id"
    thing_id: int
    amount: str = "12.50"


def bench_handler(event: BenchHappened) -> None:
    return None


def fill(n: int) -> None:
    for start in range(0, n, 1000):
        with transaction.atomic():
            publish(*(BenchHappened(thing_id=i) for i in range(start, min(n, start + 1000))))


def reset(client: redis.Redis) -> None:
    client.delete(QUEUE, BASELINE_QUEUE)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE seams_events_outbox, seams_events_attempt")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def baseline(client: redis.Redis, n: int) -> float:
    envelope = {
        "outbox_id": 1, "event_id": "00000000-0000-0000-0000-000000000000",
        "event_name": "bench.Happened", "event_version": 1, "handler": "bench.bench_handler",
        "module": "bench", "key": "1", "traceparent": "",
        "payload": BenchHappened(thing_id=1).model_dump(mode="json"), "attempts": 0,
    }  # fmt: skip
    deliver.apply_async(kwargs={"envelope": envelope}, queue=BASELINE_QUEUE)  # warm up
    started = time.perf_counter()
    for _ in range(n):
        deliver.apply_async(kwargs={"envelope": envelope}, queue=BASELINE_QUEUE)
    elapsed = time.perf_counter() - started
    assert client.llen(BASELINE_QUEUE) == n + 1
    return n / elapsed


def relay_rate(client: redis.Redis, publisher, n: int, batch: int = 500) -> float:
    fill(n)
    relay = Relay(publisher, batch=batch)
    started = time.perf_counter()
    relayed = relay.drain()
    elapsed = time.perf_counter() - started
    assert relayed == n and client.llen(QUEUE) == n, (relayed, client.llen(QUEUE))
    return n / elapsed


def memory_drain(client: redis.Redis, n: int = 100_000) -> tuple[float, float, float, float]:
    fill(n)
    relay = Relay(RedisPipelinePublisher(os.environ["REDIS_URL"], queue_of=lambda m: QUEUE))
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(rss_mb())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    before = rss_mb()
    sampler.start()
    started = time.perf_counter()
    relayed = relay.drain()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    assert relayed == n
    return before, max(samples), rss_mb(), n / elapsed


def main() -> None:
    celery_app.conf.task_always_eager = False
    call_command("migrate", verbosity=0)
    bus.subscribe_all("bench", [Subscription(BenchHappened, bench_handler, Delivery.ASYNC)])
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    reset(client)
    base = baseline(client, N)
    reset(client)
    pipelined = relay_rate(client, RedisPipelinePublisher(os.environ["REDIS_URL"],
                                                          queue_of=lambda m: QUEUE), N)  # fmt: skip
    reset(client)
    generic = relay_rate(client, CeleryPublisher(queue_of=lambda m: QUEUE), N)
    reset(client)
    print(f"N = {N} tasks/events, PostgreSQL + Redis on this machine")
    print(f"baseline  apply_async loop              {base:>9,.0f} tasks/s   1.00x")
    print(f"relay     outbox -> Redis pipeline      {pipelined:>9,.0f} rows/s   "
          f"{pipelined / base:.2f}x")  # fmt: skip
    print(f"relay     outbox -> send_task per row   {generic:>9,.0f} rows/s   "
          f"{generic / base:.2f}x")  # fmt: skip
    before, peak, after, rate = memory_drain(client)
    reset(client)
    print(
        f"100k backlog drained at {rate:,.0f} rows/s; RSS before {before:.1f} MB, "
        f"peak {peak:.1f} MB, after {after:.1f} MB (peak - before = {peak - before:.1f} MB)"
    )
    OutboxMessage.objects.all().delete()


if __name__ == "__main__":
    main()
