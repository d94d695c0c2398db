"""Django's Redis cache backend against ours (one ``redis.Redis`` per pool, ADR 0023), in the
same run: CPU per throttle check and per authenticated API request.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/cache_client.py

Needs Redis (the cache is REDIS_URL's database + 1, as in production); the database is a
SQLite file in a temp dir. Three measurements, each with Django's
``django.core.cache.backends.redis.RedisCache`` and with ``app.kernel.cache.RedisCache``,
in blocks of BENCH_N (default 500) interleaved BENCH_ROUNDS times (default 6, order
flipped every round), reporting the median over rounds of CPU µs per operation:

- a cache ``get`` and ``set`` (what a throttle does per request);
- ``CustomerRateThrottle.allow_request`` for one customer (DRF's history read, trimmed,
  written back), with a short history;
- ``GET /api/v1/orders/<id>/`` in process (Django's test client, JWT, the throttles, the
  order read): the checkout benchmark's poll.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("REDIS_URL"):
    sys.exit("bench/cache_client.py needs REDIS_URL=redis://...")
TMP = Path(tempfile.mkdtemp(prefix="seams-bench-cache-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="app.settings",
    DATABASE_URL=f"sqlite:///{TMP / 'bench.sqlite3'}",
    LOG_LEVEL="WARNING",
    DEBUG="false",
    THROTTLE_USER="1000000/min",  # as bench/checkout/run.py: counted, never refused
    OTEL_SDK_DISABLED="true",  # the cache's cost, not the spans'
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import override_settings  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from app.kernel.http.throttles import CustomerRateThrottle  # noqa: E402
from bench.in_process import cpu_per_call, pending_order  # noqa: E402

N = int(os.environ.get("BENCH_N", "500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
BACKENDS = {
    "django": "django.core.cache.backends.redis.RedisCache",
    "ours": "app.kernel.cache.RedisCache",
}


def with_backend(path: str):
    """Settings naming ``path`` as the default cache, and a fresh connection to it."""
    cache_settings = {"default": {**settings.CACHES["default"], "BACKEND": path}}
    return override_settings(CACHES=cache_settings)


def order_poll():
    """A poll of a pending order, as its customer."""
    client, path = pending_order()

    def poll():
        response = client.get(path)
        assert response.status_code == 200, response.content

    return poll


def main() -> None:
    call_command("migrate", verbosity=0)
    request = APIRequestFactory().get("/")
    request.user = SimpleNamespace(is_authenticated=True, pk=42)
    poll = order_poll()
    measured: dict[str, dict[str, list[float]]] = {}
    for round_ in range(ROUNDS):
        order = list(BACKENDS.items())
        if round_ % 2:
            order.reverse()
        for name, path in order:
            with with_backend(path):
                caches["default"].clear()
                cache = caches["default"]
                rows = measured.setdefault(name, {})

                def get_set(cache=cache):
                    cache.get("bench:key")
                    cache.set("bench:key", [1.0, 2.0], 60)

                def throttle():
                    CustomerRateThrottle().allow_request(request, None)

                for label, call in (
                    ("cache get + set", get_set),
                    ("throttle check", throttle),
                    ("GET /api/v1/orders/<id>/", poll),
                ):
                    caches["default"].clear()  # the throttle history starts short each block
                    rows.setdefault(label, []).append(cpu_per_call(call, N))
    print(f"CPU µs per operation, median of {ROUNDS} rounds of {N} (Redis {settings.CACHE_URL})")
    print(f"{'operation':<28} {'Django':>9} {'ours':>9} {'ours/Django':>12}")
    for label in measured["django"]:
        django_cpu = statistics.median(measured["django"][label])
        ours = statistics.median(measured["ours"][label])
        print(f"{label:<28} {django_cpu:>9.1f} {ours:>9.1f} {ours / django_cpu:>11.2f}x")


if __name__ == "__main__":
    main()
