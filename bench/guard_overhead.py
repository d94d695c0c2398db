"""Data-ownership guard overhead per query, as ratios against the same run without it.

    .venv/bin/python bench/guard_overhead.py          # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_bench \\
        .venv/bin/python bench/guard_overhead.py

Measures (1) the wrapper alone around a no-op execute: outside a module, inside a module
with a cached SQL string, and with a new SQL string each time (a cache miss); (2) a real
primary-key lookup through the ORM with and without the guard installed, on a module's table
and on a kernel table (the outbox: the guard walks the stack to see whose code asks).
"""

from __future__ import annotations

import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from app.kernel.boundaries.guard import foreign_tables, ownership_guard, tables_in  # noqa: E402
from app.kernel.boundaries.owners import table_owners  # noqa: E402
from app.kernel.events.models import OutboxMessage  # noqa: E402
from app.kernel.ownership import acting_as  # noqa: E402


def per_call(stmt, number: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=5)) / number * 1e6


def noop(sql, params, many, context):
    return None


def main() -> None:
    module, table = sorted((owner, t) for t, owner in table_owners().items())[0]
    sql = f'SELECT "{table}"."id" FROM "{table}" WHERE "{table}"."id" = %s LIMIT 21'
    n = 200_000
    bare = per_call(lambda: noop(sql, (1,), False, {}), n)
    outside = per_call(lambda: ownership_guard(noop, sql, (1,), False, {}), n)
    with acting_as(module):
        inside = per_call(lambda: ownership_guard(noop, sql, (1,), False, {}), n)
        counter = iter(range(10**9))
        miss = per_call(
            lambda: ownership_guard(noop, f"{sql} /* {next(counter)} */", (1,), False, {}), 20_000
        )
    tables_in.cache_clear()
    foreign_tables.cache_clear()
    print(f"wrapper, no-op execute: bare call {bare:.2f} µs")
    print(f"  guard outside any module  {outside:.2f} µs  (+{outside - bare:.2f} µs)")
    print(f"  guard inside {module!r}, cached SQL  {inside:.2f} µs  (+{inside - bare:.2f} µs)")
    print(f"  guard inside, new SQL each time  {miss:.2f} µs  (+{miss - bare:.2f} µs)")

    call_command("migrate", verbosity=0)
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    for label, lookup_model in ((module, model), ("kernel", OutboxMessage)):
        without, with_guard = orm_lookup_with_and_without_guard(lookup_model, module)
        print(
            f"ORM pk lookup on {connection.vendor}, {label}'s table, acting as {module!r}: "
            f"without guard {without:.1f} µs, with guard {with_guard:.1f} µs, "
            f"ratio {with_guard / without:.3f}"
        )


def orm_lookup_with_and_without_guard(model, module: str) -> tuple[float, float]:
    wrappers = connection.execute_wrappers

    def lookup():
        list(model.objects.filter(pk=1))

    lookup()
    without, with_guard = [], []
    for _ in range(5):  # interleaved, so drift hits both sides alike
        wrappers[:] = [w for w in wrappers if w is not ownership_guard]
        with acting_as(module):
            without.append(per_call(lookup, 2_000))
        wrappers.append(ownership_guard)
        with acting_as(module):
            with_guard.append(per_call(lookup, 2_000))
    return min(without), min(with_guard)


if __name__ == "__main__":
    main()
