"""Sync event dispatch cost per handler vs Django's ``Signal.send`` per receiver.

    .venv/bin/python bench/events_sync_dispatch.py

Both sides call the same no-op function N times (N = 1, 5, 20). The bus side is
``publish(event)`` of an event with only sync subscribers, in the same module (one
``acting_as`` for the run) and spread over N modules (one ``acting_as`` each); the baseline is
``Signal.send(sender, event=event)`` with N receivers. The event is built once, outside the
timed loop (building it is the publisher's cost either way). Reported: µs per handler/receiver
(best of 7 repeats) and the ratio bus / signal (≤ 1.0 means no slower).
"""

from __future__ import annotations

import os
import sys
import timeit
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

import django

django.setup()

from django.dispatch import Signal  # noqa: E402

from app.kernel.events import Delivery, Event, Subscription  # noqa: E402
from app.kernel.events.bus import EventBus  # noqa: E402
from app.kernel.ownership import CURRENT_MODULE, acting_as  # noqa: E402


class BenchHappened(Event):
    name: ClassVar[str] = "bench.Happened"
    key_field: ClassVar[str] = "thing_id"
    thing_id: int


def make_handler(i: int):
    def handler(event):
        return None

    handler.__name__ = f"handler_{i}"
    return handler


def make_receiver():
    def receiver(sender, **kwargs):
        return None

    return receiver


def per_item(stmt, n: int, number: int = 20000) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=7)) / number / n * 1e6


def main() -> None:
    event = BenchHappened(thing_id=1)
    print(f"{'receivers':>9}  {'signal µs':>9}  {'bus 1 module µs':>15}  {'ratio':>5}  "
          f"{'bus N modules µs':>16}  {'ratio':>5}")  # fmt: skip
    for n in (1, 5, 20):
        signal = Signal()
        receivers = [make_receiver() for _ in range(n)]  # keep strong refs
        for receiver in receivers:
            signal.connect(receiver, weak=False)
        one_module = EventBus()
        one_module.install(outbox=lambda rows: None, run_as=acting_as, module_var=CURRENT_MODULE)
        one_module.subscribe_all(
            "bench",
            [Subscription(BenchHappened, make_handler(i), Delivery.SYNC) for i in range(n)],
        )
        many_modules = EventBus()
        many_modules.install(outbox=lambda rows: None, run_as=acting_as, module_var=CURRENT_MODULE)
        for i in range(n):
            many_modules.subscribe_all(
                f"bench{i}", [Subscription(BenchHappened, make_handler(i), Delivery.SYNC)]
            )
        t_signal = per_item(lambda s=signal: s.send(sender=BenchHappened, event=event), n)
        t_one = per_item(lambda b=one_module: b.publish(event), n)
        t_many = per_item(lambda b=many_modules: b.publish(event), n)
        print(f"{n:>9}  {t_signal:>9.3f}  {t_one:>15.3f}  {t_one / t_signal:>5.2f}  "
              f"{t_many:>16.3f}  {t_many / t_signal:>5.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
