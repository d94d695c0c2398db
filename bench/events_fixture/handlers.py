"""Handler and task that note the wall-clock time they start at, in Redis."""

from __future__ import annotations

import os
import time
from typing import ClassVar

import redis

from app.kernel.events import Delivery, Event, Subscription

_redis = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"))


class Pinged(Event):
    name: ClassVar[str] = "benchlat.Pinged"
    key_field: ClassVar[str] = "n"
    n: int


def pinged_note_start(event: Pinged) -> None:
    _redis.hset("benchlat:outbox", str(event.n), repr(time.time()))


def note_task_start(n: int) -> None:
    _redis.hset("benchlat:task", str(n), repr(time.time()))


SUBSCRIPTIONS = (Subscription(event=Pinged, handler=pinged_note_start, delivery=Delivery.ASYNC),)
