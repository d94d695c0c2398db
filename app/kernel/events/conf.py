"""The event seam's settings, each with its default (set them in app/settings.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # "embedded": outbox rows delivered in process; "celery": relayed to Celery queues
    "SEAMS_EVENT_TRANSPORT": "embedded",
    # embedded only: "thread" (background dispatcher) or "inline" (drain right after commit)
    "SEAMS_EVENTS_EMBEDDED_DISPATCH": "thread",
    # 30 attempts, 1 s doubling to 60 s (jitter 50-100 %): 12-24 min of failures before a
    # delivery is dead, so an outage of several minutes is ridden out (docs/events.md)
    "SEAMS_EVENTS_MAX_ATTEMPTS": 30,
    "SEAMS_EVENTS_RETRY_BASE_SECONDS": 1.0,
    "SEAMS_EVENTS_RETRY_MAX_SECONDS": 60.0,
    # how long the consumer retries writing a failed attempt through a database blip
    "SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS": 10.0,
    "SEAMS_EVENTS_AFTER_COMMIT_GRACE_SECONDS": 30.0,
    "SEAMS_EVENTS_SWEEP_SECONDS": 1.0,
    "SEAMS_EVENTS_RELAY_BATCH": 500,
    # a row handed to a queue and not handled after this long is published again
    "SEAMS_EVENTS_REDELIVER_AFTER_SECONDS": 4200.0,
    "SEAMS_EVENTS_RETENTION_DAYS": 7,
    "SEAMS_EVENTS_KERNEL_QUEUE": "seams_events",
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
