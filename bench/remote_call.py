"""A module api call bound remote (HTTP over loopback to a live service) vs bound local,
in the same run: p50/p99 and their ratios.

    .venv/bin/python bench/remote_call.py                 # SQLite files in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seams_bench \\
        .venv/bin/python bench/remote_call.py             # or PostgreSQL (…_payments too)

This process plays every service of the ``split`` topology; ``payments`` also runs as a
real service (the ``web`` role as split topologies run it: granian, one worker with 4
threads, keep-alive, ADR 0020; ``TCP_NODELAY`` on; persistent database connections,
``DB_CONN_MAX_AGE=60``; the production profile's ``DEBUG=false``) on the same database. The
call is ``payments_api.balance_get(customer_id=...)`` (one indexed read):

- bound local: called as ``payments`` (same service: a function call), strict mode off
  (production) and on (development and tests);
- bound remote: called from no module, with ``SEAMS_SERVICE_URL_PAYMENTS`` pointing at the
  live service: signing, JSON, one pooled keep-alive connection, the service's api endpoint
  (answered before Django's request handler, ADR 0022), the same read;
- bound remote to a second payments service on gunicorn's gthread worker (4 threads: what
  split topologies ran before ADR 0020; keep-alive, but each request handed from gunicorn's
  poller thread to a worker thread and back);
- bound remote to a third on gunicorn's sync worker (no threads: the default of a
  single-service deployment before ADR 0025), which answers ``Connection: close``, so every
  call opens a connection; the connections closed on each service's port (``TIME_WAIT``)
  are printed;
- for scale: the undecorated function, a no-op ``@module_api`` vs the bare no-op (the
  wrapper's own cost), and the HTTP floor: a signed POST on the same pool for a payments
  function that does not exist (the internal endpoint's own 404: no work).

The services listen on the first three free ports from BENCH_PORT (default 18150) on.

Reported: per-call p50 and p99 in µs over N calls (BENCH_N, default 3000) after a warm-up.
"""

from __future__ import annotations

import inspect
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="seams-bench-remote-"))


def free_ports(count: int) -> list[int]:
    first = int(os.environ.get("BENCH_PORT", "18150"))
    found = []
    for port in range(first, first + 10):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {first}-{first + 9}")


# granian (split topologies), gunicorn gthread (before ADR 0020), gunicorn sync (one service
# before ADR 0025)
PORT, GTHREAD_PORT, SYNC_PORT = free_ports(3)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP / 'bench.sqlite3'}")
os.environ.update(
    DJANGO_SETTINGS_MODULE="app.settings",
    SEAMS_TOPOLOGY="split",
    SEAMS_SERVICE="",
    SEAMS_API_STRICT="false",
    SEAMS_SERVICE_URL_PAYMENTS=f"http://127.0.0.1:{PORT}",
    LOG_LEVEL="WARNING",
    DEBUG="false",  # as in production: no query log, no debug cursor
)

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import override_settings  # noqa: E402

from app.kernel import topology  # noqa: E402
from app.kernel.ownership import acting_as, module_api  # noqa: E402
from app.kernel.remote import client  # noqa: E402
from app.kernel.topology.processes import web_env  # noqa: E402
from modules.payments import api as payments_api  # noqa: E402

N = int(os.environ.get("BENCH_N", "3000"))
WARM_UP = 300


def percentiles(call) -> tuple[float, float]:
    for _ in range(WARM_UP):
        call()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(N):
        started = clock()
        call()
        samples.append(clock() - started)
    samples.sort()
    return statistics.median(samples) / 1000, samples[int(len(samples) * 0.99)] / 1000


def noop_apis():
    """A bare no-op and the same under ``@module_api`` (a module the topology does not know,
    so the binding decides local, as for any hosted module)."""
    module = types.ModuleType("modules.benchnoop.api")
    sys.modules[module.__name__] = module
    source = "from __future__ import annotations\ndef noop(*, x: int) -> int:\n    return x\n"
    exec(compile(source, "<bench>", "exec"), module.__dict__)  # noqa: S102
    bare = module.noop
    return bare, module_api(bare)


def service_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def start_service(port: int, server: dict[str, str]) -> subprocess.Popen[bytes]:
    """The payments service on ``port``, its ``web`` role run with ``server`` (``WEB_SERVER``
    and its threads variable)."""
    log = TMP / f"payments-{port}.log"
    env = {
        **os.environ,
        "SEAMS_SERVICE": "payments",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        **server,
        # persistent database connections, as in production: without, every request opens
        # one (~10 ms on PostgreSQL here), which this benchmark is not about
        "DB_CONN_MAX_AGE": "60",
        "PROMETHEUS_MULTIPROC_DIR": str(TMP / f"prometheus-{port}"),
    }
    env.pop("SEAMS_SERVICE_URL_PAYMENTS")
    process = subprocess.Popen(
        [str(ROOT / "docker" / "entrypoint.sh"), "web"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    until = time.monotonic() + 60
    while time.monotonic() < until:
        try:
            if httpx.get(f"{service_url(port)}/healthz/", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the payments service did not start: {log.read_text()[-2000:]}")


def main() -> None:
    for alias in settings.DATABASES:
        call_command("migrate", database=alias, verbosity=0)
    # the web role as make up-split and the split manifests run it, and as it ran before
    split = web_env(topology.load("split"), environ_={})
    gthread = web_env(topology.load("split"), environ_={"WEB_SERVER": "gunicorn"})
    sync = {"WEB_SERVER": "gunicorn", "GUNICORN_THREADS": "1"}
    servers = ((PORT, split), (GTHREAD_PORT, gthread), (SYNC_PORT, sync))
    services = [start_service(port, server) for port, server in servers]
    try:
        run()
    finally:
        for service in services:
            service.send_signal(signal.SIGTERM)
            service.wait(30)
        client.configure()


def connections_closed(port: int) -> int | None:
    """TCP connections to ``port`` closed in the last minute (in ``TIME_WAIT``, Linux's
    ``/proc/net/tcp``): 0 or 1 when calls reuse a connection, one per call when they do not;
    ``None`` where there is no ``/proc``."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        return None
    suffix = f":{port:04X}"
    rows = [line.split() for line in table.read_text().splitlines()[1:]]
    time_wait = "06"
    return sum(1 for row in rows if row[3] == time_wait and suffix in (row[1][-5:], row[2][-5:]))


def run() -> None:
    body = inspect.unwrap(payments_api.balance_get)
    bare_noop, api_noop = noop_apis()
    with acting_as("payments"):
        rows = {"undecorated function": percentiles(lambda: body(customer_id=1))}
        rows["bound local (production: strict off)"] = local = percentiles(
            lambda: payments_api.balance_get(customer_id=1)
        )
        with override_settings(SEAMS_API_STRICT=True):
            rows["bound local, strict (development, tests)"] = percentiles(
                lambda: payments_api.balance_get(customer_id=1)
            )
    assert payments_api.balance_get(customer_id=1).customer_id == 1  # remote: caller is no module
    rows["bound remote, loopback keep-alive"] = remote = percentiles(
        lambda: payments_api.balance_get(customer_id=1)
    )
    channel = client.internal_client("payments")
    rows["  floor: signed POST answered 404, same pool"] = percentiles(
        lambda: channel.post("/internal/api/payments/nothing/", b"{}", {}, 2.0)
    )
    closed = {"granian": connections_closed(PORT)}
    for name, port, row in (
        ("gthread", GTHREAD_PORT, "bound remote, gunicorn gthread (keep-alive)"),
        ("sync", SYNC_PORT, "bound remote, gunicorn sync (no keep-alive)"),
    ):
        os.environ["SEAMS_SERVICE_URL_PAYMENTS"] = service_url(port)
        client.configure()
        rows[row] = percentiles(lambda: payments_api.balance_get(customer_id=1))
        closed[name] = connections_closed(port)
    noop = {
        "bare no-op": percentiles(lambda: bare_noop(x=1)),
        "@module_api no-op (split topology)": percentiles(lambda: api_noop(x=1)),
    }
    with override_settings(SEAMS_TOPOLOGY="monolith"):
        topology.reset()
        noop["@module_api no-op (monolith topology)"] = percentiles(lambda: api_noop(x=1))
    topology.reset()
    print(f"N = {N} calls, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}")
    print(f"{'balance_get':<44} {'p50 µs':>9} {'p99 µs':>9}")
    for name, (p50, p99) in rows.items():
        print(f"{name:<44} {p50:>9.1f} {p99:>9.1f}")
    print(f"remote / local: p50 x{remote[0] / local[0]:.1f}, p99 x{remote[1] / local[1]:.1f}")
    print(f"remote p50 {remote[0] / 1000:.2f} ms (target ≤ 1 ms), p99 {remote[1] / 1000:.2f} ms")
    calls = {"granian": 2 * (WARM_UP + N) + 1, "gthread": WARM_UP + N, "sync": WARM_UP + N}
    for server, count in closed.items():
        print(f"connections closed by/to the {server} service: {count} for {calls[server]} calls")
    for name, (p50, p99) in noop.items():
        print(f"{name:<44} {p50:>9.2f} {p99:>9.2f}")
    for shape in ("split", "monolith"):
        wrapper = noop[f"@module_api no-op ({shape} topology)"][0] - noop["bare no-op"][0]
        print(f"@module_api wrapper cost, {shape}: +{wrapper:.2f} µs p50")


if __name__ == "__main__":
    main()
