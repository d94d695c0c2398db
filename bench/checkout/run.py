"""``make bench-checkout``: checkouts per second and POST → confirmed latency of the
production-like topology, against a bare DRF insert endpoint measured in the same run.

    .venv/bin/python bench/checkout/run.py [--system up] [--write-docs]

Environment (defaults in brackets): DATABASE_URL [postgres://postgres@127.0.0.1:5432/seams_perf]
(dropped and created afresh), REDIS_URL [redis://127.0.0.1:6379/10] (this database and the
next, the cache's, are flushed), BENCH_PORT [18600] (the system's edge; +10 the baseline's),
BENCH_CONCURRENCY [1,4,8,16], BENCH_SECONDS [15] per phase, BENCH_PROFILE [8]: py-spy
samples every process during the checkout phase at that concurrency (0: none), BENCH_EXTRA_ENV
(space-separated NAME=value for every process, e.g. worker settings under test),
BENCH_REVALIDATE [1]: the checkout's polls send ``If-None-Match`` (0: a whole GET each),
BENCH_WAIT [10]: they send ``Prefer: wait=10``, held by the server while the order is pending
(0: none, a poll every 20 ms); a system's own ``BENCH_WAIT`` (``--system up:BENCH_WAIT=0``)
sets it for that system alone, so both clients run in one run.

Per concurrency c, in this order: the baseline (c clients POSTing one row each, back to
back), ``POST /api/v1/orders/`` alone (c customers placing orders back to back; the sagas
then drain before the next phase), the checkout (c customers, each placing an order and
polling it until ``confirmed``). Then an open loop at half the peak checkout rate (p99 there
is the target's figure), a settle, and the invariants (money, stock, sagas, deliveries)
counted from the database. Prints one JSON document; ``--write-docs`` also rewrites the
"Checkout" results in docs/benchmarks.md and the plot in docs/img/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.checkout import load, profile, report  # noqa: E402
from bench.checkout.systems import SYSTEMS, baseline  # noqa: E402
from tests.chaos.conservation import violations  # noqa: E402

STAFF = ("bench-staff@example.com", "bench-staff-password-1")
PRICE = "1.00"
RESULTS = ROOT / "bench" / "checkout" / "results"
STOCK = 1_000_000
WAIT_SECONDS = load.WAIT_SECONDS  # BENCH_WAIT, unless a system spec sets its own


def settings_from_environment() -> dict:
    port = int(os.environ.get("BENCH_PORT", "18600"))
    return {
        "database_url": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/seams_perf"
        ),
        "redis_url": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/10"),
        "port": port,
        "concurrency": [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,4,8,16").split(",")],
        "seconds": float(os.environ.get("BENCH_SECONDS", "15")),
        "profile_at": int(os.environ.get("BENCH_PROFILE", "8")),
        "revalidate": load.REVALIDATE,
        "extra_env": dict(
            item.split("=", 1) for item in os.environ.get("BENCH_EXTRA_ENV", "").split()
        ),
    }


def process_env(config: dict, base: Path) -> dict[str, str]:
    """What every process of the run gets: the production profile on our database and Redis.

    Throttles are raised: the load comes from a handful of customers on one address, far
    beyond the per-customer default (1,200/min) on purpose."""
    return {
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", str(base)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "DJANGO_ENV": "production",
        "SECRET_KEY": "bench-checkout-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": config["database_url"],
        "REDIS_URL": config["redis_url"],
        "HOST": "127.0.0.1",
        "PORT": str(config["port"]),
        # the baseline clear of a split topology's services (PORT+1, +2, ...)
        "BASELINE_PORT": str(config["port"] + 10),
        "SEAMS_INTERNAL_KEYS": "bench-checkout-internal-key-" + "y" * 40,
        "THROTTLE_USER": "1000000/min",
        "THROTTLE_AUTH": "1000000/min",
        "PROMETHEUS_MULTIPROC_DIR": str(base / "prometheus"),
        "CELERY_BEAT_SCHEDULE_FILE": str(base / "celerybeat-schedule"),
        "DJANGO_SUPERUSER_EMAIL": STAFF[0],
        "DJANGO_SUPERUSER_PASSWORD": STAFF[1],
        **config["extra_env"],
    }


def reset_stores(config: dict) -> None:
    """A fresh database, no per-service ``NAME_<alias>`` databases (a split system creates
    its own: ``make up-split`` does), and empty Redis databases (ours only: FLUSHDB, never
    FLUSHALL)."""
    url = config["database_url"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        derived = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (name + r"\_%",)
        ).fetchall()
        for (database,) in [(name,), *derived]:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    broker = redis.Redis.from_url(config["redis_url"])
    broker.flushdb()
    number = int(config["redis_url"].rsplit("/", 1)[1])
    redis.Redis.from_url(config["redis_url"].rsplit("/", 1)[0] + f"/{number + 1}").flushdb()


def module_query(database_url: str):
    """The conservation checks' ``query(module, sql, params)``: a module's SQL on the database
    holding its tables, the ``NAME_<module>`` one where the system under test made it (a
    split topology's alias is its module's name), else ``database_url``'s. Also the modules,
    one per database, whose outboxes to look at."""
    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        derived = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (name + r"\_%",)
        )]  # fmt: skip
    queries = {d.removeprefix(f"{name}_"): query(f"{base}/{d}") for d in derived}
    main = query(database_url)

    def run(module: str, sql: str, params: tuple) -> list[tuple]:
        return queries.get(module, main)(sql, params)

    return run, ("orders", *sorted(queries))


def token(client: httpx.Client, email: str, password: str) -> str:
    response = client.post("/api/v1/accounts/token/", json={"email": email, "password": password})
    response.raise_for_status()
    return response.json()["access"]


def set_up_shop(base_url: str, n: int) -> list[load.Customer]:
    """One SKU per customer (the pipeline is measured, not contention on one stock row),
    stocked far beyond the run, and wallets topped up likewise."""
    customers = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {token(client, *STAFF)}"
        for k in range(n):
            sku = f"BENCH-{k}"
            created = client.post(
                "/api/v1/catalog/products/", json={"sku": sku, "name": sku, "price": PRICE}
            )
            assert created.status_code == 201, created.text
            stocked = client.post(f"/api/v1/inventory/stock/{sku}/adjust/", json={"delta": STOCK})
            assert stocked.status_code == 200, stocked.text
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for k in range(n):
            email, password = f"bench{k}@example.com", f"bench-password-{k}-long"
            registered = client.post(
                "/api/v1/accounts/register/", json={"email": email, "password": password}
            )
            assert registered.status_code == 201, registered.text
            access = token(client, email, password)
            for _ in range(5):
                topped = client.post(
                    "/api/v1/payments/wallet/top-up/",
                    json={"amount": "1000.00"},
                    headers={"Authorization": f"Bearer {access}"},
                )
                assert topped.status_code in (200, 201), topped.text
            customers.append(load.Customer(email, access, f"BENCH-{k}"))
    return customers


def query(database_url: str):
    """One autocommit connection for the harness's own queries (so that it opens none per
    poll: the sessions counted below are the system's)."""
    conn = psycopg.connect(database_url, autocommit=True, connect_timeout=5)

    def run(sql: str, params: tuple = ()) -> list[tuple]:
        return conn.execute(sql, params).fetchall()

    return run


def sessions_opened(q) -> int:
    """PostgreSQL sessions ever opened on the bench database (pg_stat_database, PG 14+)."""
    return q("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")[0][0]


def _descendants(roots: list[int]) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return found


CpuSample = dict[int, tuple[str, float]]  # pid → (role, user + system CPU seconds so far)


def cpu_seconds(roots: list[int], q) -> CpuSample:
    """User + system CPU seconds of every process under ``roots`` (by role: web, worker,
    relay, beat, other) and of the PostgreSQL backends on the bench database ("postgres")."""
    backends = {pid for (pid,) in q(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )}  # fmt: skip
    sample: CpuSample = {}
    for pid in _descendants(roots) | backends:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        role = "postgres" if pid in backends else profile.role_of(command) or "other"
        sample[pid] = (role, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return sample


def cpu_per_op(before: CpuSample, after: CpuSample, phase: load.Phase) -> dict:
    """CPU milliseconds per operation of the phase (all of them, warm-up included), in all
    and by role: per process alive at the end, what it spent since the start (all of it if
    it started meanwhile). A process that exited meanwhile took its CPU time along: not
    counted (PostgreSQL backends of closed connections), never subtracted."""
    if not phase.completed:
        return {}
    spent: dict[str, float] = {}
    for pid, (role, seconds) in after.items():
        spent[role] = spent.get(role, 0.0) + seconds - before.get(pid, (role, 0.0))[1]
    by_role = {role: round(1000 * spent[role] / phase.completed, 1) for role in sorted(spent)}
    return {"all": round(sum(by_role.values()), 1), **by_role}


def wait_drained(q, timeout: float = 600.0) -> float:
    """Seconds until no order is pending (the sagas of a phase have all ended)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not q("SELECT count(*) FROM orders_order WHERE status = 'pending'")[0][0]:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"orders still pending after {timeout}s")


def server_latency(q, since: float) -> dict:
    """confirmed_at - created_at as the database saw it, for orders placed after ``since``."""
    rows = q(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY d) FROM (SELECT extract(epoch FROM "
        "confirmed_at - created_at) AS d FROM orders_order WHERE status = 'confirmed' "
        "AND created_at >= to_timestamp(%s)) s",
        (since,),
    )[0]
    return {"p50_ms": _ms(rows[0]), "p99_ms": _ms(rows[1])}


def _ms(value) -> float | None:
    return None if value is None else round(float(value) * 1000, 1)


async def measure(config: dict, system, baseline_server, customers, q, base: Path) -> dict:
    seconds = config["seconds"]
    phases: dict[str, list[dict]] = {"baseline": [], "post": [], "checkout": []}
    profiles = {}
    for c in config["concurrency"]:
        group = customers[:c]
        cpu = cpu_seconds(baseline_server.pids(), q)
        phase = await load.closed_loop(
            baseline_server.base_url, group, load.insert_row("/bench/insert/"),
            name="baseline", seconds=seconds,
        )  # fmt: skip
        summary = phase.summary()
        summary["cpu_ms_per_op"] = cpu_per_op(cpu, cpu_seconds(baseline_server.pids(), q), phase)
        phases["baseline"].append(summary)
        phase = await load.closed_loop(
            system.base_url, group, load.place_order, name="post", seconds=seconds
        )
        summary = phase.summary()
        summary["drained_after_s"] = round(wait_drained(q), 1)
        phases["post"].append(summary)
        since = time.time()
        profiling = None
        if c == config["profile_at"]:
            raw = RESULTS / f"{config['label']}-profile-c{c}.txt"  # kept, not committed
            profiling = profile.start(system.pids(), raw, seconds + 2)
        opened, cpu = sessions_opened(q), cpu_seconds(system.pids(), q)
        load.POLLS.clear()
        phase = await load.closed_loop(
            system.base_url, group, load.checkout, name="checkout", seconds=seconds
        )
        opened = sessions_opened(q) - opened
        if profiling is not None:
            profiles[f"checkout c={c}"] = profile.finish(profiling)
        wait_drained(q)
        summary = phase.summary()
        summary["cpu_ms_per_op"] = cpu_per_op(cpu, cpu_seconds(system.pids(), q), phase)
        summary["db_sessions_per_checkout"] = round(opened / max(1, len(phase.samples)), 2)
        polls = load.POLLS  # per operation, warm-up included (as cpu_ms_per_op)
        summary["polls_per_checkout"] = round(polls["sent"] / max(1, phase.completed), 1)
        summary["polls_not_modified"] = round(polls["not_modified"] / max(1, polls["sent"]), 2)
        summary["server"] = server_latency(q, since)
        phases["checkout"].append(summary)
        print(json.dumps({c: [phases[k][-1] for k in phases]}), file=sys.stderr, flush=True)
    peak = max(phase["rate"] for phase in phases["checkout"])
    half = max(peak / 2, 0.5)
    since = time.time()
    phase = await load.open_loop(
        system.base_url, customers, load.checkout, name="open loop", rate=half, seconds=seconds
    )
    wait_drained(q)
    open_summary = phase.summary()
    open_summary["offered_rate"] = round(half, 2)
    open_summary["server"] = server_latency(q, since)
    return {"phases": phases, "open_loop": open_summary, "profiles": profiles}


def parse_system(spec: str) -> tuple[str, dict[str, str]]:
    """``NAME`` or ``NAME:VAR=value,VAR=value`` (environment for that system only)."""
    name, _, assignments = spec.partition(":")
    if name not in SYSTEMS:
        raise SystemExit(f"unknown system {name!r}; known: {', '.join(sorted(SYSTEMS))}")
    return name, dict(item.split("=", 1) for item in assignments.split(",") if item)


def measure_system(spec: str, config: dict, label: str) -> dict:
    """Fresh stores, the system and the baseline started, the shop set up, every phase."""
    name, own_env = parse_system(spec)
    # the client's setting, not the server's: not in the system's environment
    load.WAIT_SECONDS = int(own_env.pop("BENCH_WAIT", WAIT_SECONDS))
    base = Path(tempfile.mkdtemp(prefix="seams-bench-checkout-"))
    env = {**process_env(config, base), **own_env}
    reset_stores(config)
    started = time.time()
    system = baseline_server = None
    try:
        system = SYSTEMS[name](env, base)
        manage(env, "createsuperuser", "--noinput")
        baseline_server = baseline(env, base)
        customers = set_up_shop(system.base_url, max(config["concurrency"]))
        q = query(config["database_url"])
        results = asyncio.run(
            measure({**config, "label": label}, system, baseline_server, customers, q, base)
        )
        time.sleep(2)
        by_module, outbox_modules = module_query(config["database_url"])
        results["violations"] = violations(by_module, outbox_modules=outbox_modules)
    finally:
        for running in (baseline_server, system):
            if running is not None:
                running.stop()
    results.update(
        system=spec,
        label=label,
        started=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        minutes=round((time.time() - started) / 60, 1),
        load_average=[round(x, 2) for x in os.getloadavg()],
        config={
            **{k: v for k, v in config.items() if k not in ("database_url", "redis_url")},
            "wait": load.WAIT_SECONDS,
        },
        ratios=report.ratios(results),
    )
    if not any(results["violations"].values()):
        shutil.rmtree(base, ignore_errors=True)
    else:
        results["logs"] = str(base)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--system", action="append", default=None,
        help="NAME[:VAR=value,...], repeatable: each is measured in turn, same load, same run",
    )  # fmt: skip
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--label", default="", help="names this run in the docs and files")
    args = parser.parse_args()
    specs = args.system or ["up"]
    config = settings_from_environment()
    RESULTS.mkdir(exist_ok=True)
    runs = []
    for n, spec in enumerate(specs, 1):
        label = args.label or "checkout"
        if len(specs) > 1:
            label = f"{label}-{n}-{spec.split(':')[0]}"
        results = measure_system(spec, config, label)
        print(json.dumps(results, indent=2))
        (RESULTS / f"{label}.json").write_text(json.dumps(results, indent=2) + "\n")
        if args.write_docs:
            report.write(results, ROOT)
        runs.append(results)
    if len(runs) > 1:
        print(report.comparison(runs))
    bad = {r["label"]: {k: n for k, n in r["violations"].items() if n} for r in runs}
    if any(bad.values()):
        sys.exit(f"invariants violated: {bad}")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(ROOT / "docker/entrypoint.sh"), "manage", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


if __name__ == "__main__":
    main()
