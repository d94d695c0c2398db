"""Publishing cost of a transaction that publishes K events in K separate ``publish`` calls:
the outbox rows of the transaction held and written in one INSERT at commit, vs one INSERT
per ``publish`` call (what the bus did before), in the same run, on PostgreSQL.

    DATABASE_URL=postgres://.../seams_bench .venv/bin/python bench/events_outbox_write.py

Each event has two ``async`` subscribers (two rows per event). Both sides run through the
same bus code and the same ``outbox.rows_for``/``outbox.insert``; only the writer differs.
No handler runs (nothing is relayed). Reported: committed transactions/s (best of 5
rounds of BENCH_TX transactions, default 300, the sides interleaved) and the ratio.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("set DATABASE_URL=postgres://...")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from app.kernel.events import Event, Subscription, outbox  # noqa: E402
from app.kernel.events.bus import EventBus  # noqa: E402
from app.kernel.events.models import OutboxMessage  # noqa: E402
from app.kernel.ownership import CURRENT_MODULE, acting_as  # noqa: E402

TRANSACTIONS = int(os.environ.get("BENCH_TX", "300"))
USING = "default"


class BenchWritten(Event):
    name: ClassVar[str] = "bench.Written"
    key_field: ClassVar[str] = "thing_id"
    thing_id: int


def first_handler(event: BenchWritten) -> None:
    return None


def second_handler(event: BenchWritten) -> None:
    return None


def bus_with(writer) -> EventBus:
    bus = EventBus()
    bus.install(outbox=writer, run_as=acting_as, module_var=CURRENT_MODULE)
    bus.subscribe_all(
        "bench",
        [Subscription(BenchWritten, first_handler), Subscription(BenchWritten, second_handler)],
    )
    return bus


PER_TRANSACTION = bus_with(lambda deferred: outbox.write(deferred, using=USING))
PER_PUBLISH = bus_with(lambda deferred: outbox.insert(outbox.rows_for(deferred), USING))


def transactions_per_second(bus: EventBus, k: int) -> float:
    events = [BenchWritten(thing_id=i) for i in range(k)]
    started = time.perf_counter()
    for _ in range(TRANSACTIONS):
        with transaction.atomic():
            for event in events:
                bus.publish(event)
    return TRANSACTIONS / (time.perf_counter() - started)


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"{TRANSACTIONS} transactions per round, best of 5; 2 rows per event")
    print(f"{'events/tx':>9}  {'per publish tx/s':>16}  {'per transaction tx/s':>20}  ratio")
    for k in (1, 5, 20):
        best = {PER_PUBLISH: 0.0, PER_TRANSACTION: 0.0}
        for _ in range(5):
            for bus in best:
                best[bus] = max(best[bus], transactions_per_second(bus, k))
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {OutboxMessage._meta.db_table}")
        ratio = best[PER_TRANSACTION] / best[PER_PUBLISH]
        print(f"{k:>9}  {best[PER_PUBLISH]:>16,.0f}  {best[PER_TRANSACTION]:>20,.0f}  {ratio:.2f}x")


if __name__ == "__main__":
    main()
