"""The checkout's poll, whole against revalidated, in the same process: CPU per
``GET /api/v1/orders/<id>/`` of a pending order, answered 200 (the order and its lines read
and rendered) and answered 304 (``If-None-Match`` with its ``ETag``: one column of one row).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_poll REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/order_poll.py

Through Django's test client (JWT, the throttles, every middleware; tracing as configured by
default, no exporter), on the database ``DATABASE_URL`` names (migrated here; a SQLite file in
a temp dir when unset) and the Redis cache of ``REDIS_URL`` (the local-memory cache when
unset). Blocks of BENCH_N (500) of each kind, interleaved BENCH_ROUNDS (6) times, order
flipped every round; reported: the median over rounds of CPU µs per request, and the ratio.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'poll.sqlite3'}"
os.environ.update(
    DJANGO_SETTINGS_MODULE="app.settings",
    LOG_LEVEL="WARNING",
    DEBUG="false",
    SEAMS_API_STRICT="false",  # as in production
    THROTTLE_USER="1000000/min",  # counted, never refused
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.in_process import cpu_per_call, pending_order  # noqa: E402

N = int(os.environ.get("BENCH_N", "500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))


def main() -> None:
    call_command("migrate", verbosity=0)
    client, path = pending_order()
    etag = client.get(path).headers["ETag"]

    def whole() -> None:
        assert client.get(path).status_code == 200

    def revalidated() -> None:
        assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304

    kinds = {"200, whole": whole, "304, revalidated": revalidated}
    measured: dict[str, list[float]] = {name: [] for name in kinds}
    for round_ in range(ROUNDS):
        for name in list(kinds)[:: -1 if round_ % 2 else 1]:
            measured[name].append(cpu_per_call(kinds[name], N))
    median = {name: statistics.median(runs) for name, runs in measured.items()}
    print(f"CPU µs per poll, median of {ROUNDS} rounds of {N} ({django.db.connection.vendor})")
    for name, runs in measured.items():
        print(f"  {name:<18} {median[name]:8.1f}  ({', '.join(f'{r:.0f}' for r in runs)})")
    print(f"  304 / 200: {median['304, revalidated'] / median['200, whole']:.2f}x")


if __name__ == "__main__":
    main()
