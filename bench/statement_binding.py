"""A checkout's CPU with Django's client-side binding, with PostgreSQL binding the
parameters, and with statements prepared (ADR 0026), in one process, same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_bench \\
        .venv/bin/python bench/statement_binding.py [--checkouts 150] [--rounds 3]

Each round runs N checkouts per mode in a process of its own: ``bench/tracing_overhead.py``'s
round (``POST /api/v1/orders/`` through Django's test client, then every delivery drained in
process), tracing as by default with no exporter, on a fresh copy of one migrated PostgreSQL
database; as in production, ``DEBUG`` off (Django records no queries) and the connection
kept (``DB_CONN_MAX_AGE=60``), so one PostgreSQL backend serves the round. The modes:

- ``client``: ``DB_SERVER_SIDE_BINDING=false``, ``DB_PREPARE_THRESHOLD=off`` (Django's own
  default: parameters interpolated on the client, nothing prepared);
- ``server``: parameters bound by PostgreSQL, nothing prepared;
- ``prepared``: the default, a statement prepared once the connection has run it 5 times.

The modes run in a different order each round (reversed every other round). Reported per
mode: the CPU milliseconds per checkout of the round's process and of its PostgreSQL backend
(read from ``/proc``, so PostgreSQL must run on this machine), medians over the rounds, and
the median of each round's ratio to ``client``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tracing_overhead import Databases, one_round

MODES = {
    "client": {"DB_SERVER_SIDE_BINDING": "false", "DB_PREPARE_THRESHOLD": "off"},
    "server": {"DB_SERVER_SIDE_BINDING": "true", "DB_PREPARE_THRESHOLD": "off"},
    "prepared": {"DB_SERVER_SIDE_BINDING": "true", "DB_PREPARE_THRESHOLD": "5"},
}
PARTS = ("process", "PostgreSQL backend")


def spent(mode: str, databases: Databases, checkouts: int) -> tuple[float, float]:
    """CPU ms per checkout of one round's process and of its PostgreSQL backend."""
    settings = {**MODES[mode], "DB_CONN_MAX_AGE": "60", "DEBUG": "false"}
    _, per_cpu_second, backend_seconds = one_round(
        "unexported", databases, checkouts, "", extra_env=settings
    )[:3]
    return 1000 / per_cpu_second, backend_seconds * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("statement_binding.py: set DATABASE_URL to a PostgreSQL server here")
    rounds: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as scratch:
        databases = Databases(Path(scratch))
        try:
            for index in range(args.rounds):
                order = list(MODES) if index % 2 == 0 else list(MODES)[::-1]
                for mode in order:
                    rounds[mode].append(spent(mode, databases, args.checkouts))
        finally:
            databases.close()
    print(f"{args.checkouts} checkouts x {args.rounds} rounds; CPU ms per checkout, median")
    for mode, figures in rounds.items():
        line = []
        for part, name in enumerate(PARTS):
            ratios = [r[part] / c[part] for r, c in zip(figures, rounds["client"], strict=True)]
            line.append(
                f"{name} {statistics.median(r[part] for r in figures):5.1f} "
                f"({statistics.median(ratios):.2f}x client [{min(ratios):.2f}-{max(ratios):.2f}])"
            )
        print(f"  {mode:8}  " + "  ".join(line))


if __name__ == "__main__":
    main()
