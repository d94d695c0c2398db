"""Settings of the processes bench/events_latency.py starts (worker, relay)."""

from app.settings import *  # noqa: F403
from app.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.events_fixture"]
