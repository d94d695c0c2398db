"""What ``make bench-checkout`` measures, started and stopped by pluggable functions.

A *system* is a function ``start(env, logs) -> Running``: it gets the environment every
process of the run shares (database, Redis, production profile, ports) and a folder for its
logs, starts whatever it is made of and returns once its HTTP edge answers ``/readyz/``.
:func:`make_target` turns any foreground command (``make up``; ``make up-split`` for
issue 10) into one; ``run.py --system NAME`` picks one of :data:`SYSTEMS`, so two topologies
are measured under the same load, in the same run.

The baseline server (:func:`baseline`) is a system too: the product's gunicorn configuration
and settings plus one bench-only endpoint (``bench/checkout/baseline/``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Running:
    """A started system: where its edge answers and the process groups to stop."""

    name: str
    base_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def stop(self) -> None:
        """SIGTERM every process group (Ctrl-C as ``make up`` gets it), SIGKILL stragglers."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


System = Callable[[dict[str, str], Path], Running]


# one path per module: behind an edge, each may be served by a service of its own
MODULE_PATHS = (
    "accounts/me/", "catalog/products/", "inventory/stock/", "orders/", "payments/wallet/",
    "notifications/", "analytics/sales/",
)  # fmt: skip


def _answers(base_url: str) -> bool:
    """``/readyz/`` is 200 and no part of the API answers 502-504 (a service still down)."""
    if httpx.get(f"{base_url}/readyz/", timeout=5).status_code != 200:
        return False
    return all(
        httpx.get(f"{base_url}/api/v1/{path}", timeout=5).status_code not in (502, 503, 504)
        for path in MODULE_PATHS
    )


def wait_ready(base_url: str, timeout: float = 180.0, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{base_url}: the process exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if _answers(base_url):
                return
        time.sleep(0.3)
    raise RuntimeError(f"{base_url} was not ready within {timeout}s")


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``command`` in a process group of its own, output to ``log``."""
    with log.open("a") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def make_target(name: str, command: list[str], port_variable: str = "PORT") -> System:
    """A system started by one foreground command whose web edge listens on ``$PORT``."""

    def start(env: dict[str, str], logs: Path) -> Running:
        process = spawn(command, env, logs / f"{name}.log")
        base_url = f"http://127.0.0.1:{env[port_variable]}"
        running = Running(name, base_url, [process])
        try:
            wait_ready(base_url, process=process)
        except Exception:
            running.stop()
            raise
        return running

    return start


def one_role(name: str, role: str, env: dict[str, str], logs: Path) -> subprocess.Popen:
    """``docker/entrypoint.sh ROLE`` as `make up` runs its roles: one line of a Procfile of
    its own, started by honcho on ``$PORT``, which relays (prefixes and merges) its output
    to ``logs/NAME.log``. A baseline started without honcho would not pay for relaying its
    log lines, while the system under test does (~0.5 ms of honcho's CPU a line,
    2026-12-07)."""
    procfile = logs / f"Procfile.{name}"
    procfile.write_text(f"{name}: docker/entrypoint.sh {role}\n")
    honcho = [str(ROOT / ".venv/bin/honcho"), "start", "-f", str(procfile), "-p", env["PORT"]]
    return spawn(honcho, env, logs / f"{name}.log")


def baseline(env: dict[str, str], logs: Path) -> Running:
    """The bare DRF insert endpoint on ``$BASELINE_PORT``: the web role's command (gunicorn,
    app/gunicorn_conf.py, the same WEB_CONCURRENCY etc.) under honcho as in `make up`,
    settings plus the baseline app."""
    env = {
        **env,
        "PORT": env["BASELINE_PORT"],
        "DJANGO_SETTINGS_MODULE": "bench.checkout.baseline.settings",
        "PROMETHEUS_MULTIPROC_DIR": env["PROMETHEUS_MULTIPROC_DIR"] + "-baseline",
    }
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput", "benchbaseline"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    process = one_role("baseline", "web", env, logs)
    running = Running("baseline", f"http://127.0.0.1:{env['PORT']}", [process])
    try:
        wait_ready(running.base_url, process=process)
    except Exception:
        running.stop()
        raise
    return running


def _honcho(procfile: str) -> list[str]:
    """`make up`'s command line with another Procfile (migrate, then honcho)."""
    honcho = f"honcho start -f {procfile} -p $PORT"
    return ["sh", "-c", f".venv/bin/python manage.py migrate --noinput && exec .venv/bin/{honcho}"]


NOTIFICATIONS_OUT = "bench/checkout/notifications-out.toml"

SYSTEMS: dict[str, System] = {
    # `make up`: migrate, then honcho runs the Procfile (web, worker, relay, beat)
    "up": make_target("up", ["make", "--no-print-directory", "up"]),
    # the same with two worker processes: one for the saga's queue, one for all the others
    "up-two-workers": make_target("up-two-workers", _honcho("bench/checkout/Procfile.two-workers")),
    # two identical worker processes on every queue: two machines' worth of workers
    "up-two-pools": make_target("up-two-pools", _honcho("bench/checkout/Procfile.two-pools")),
    # the shipped split topology behind nginx: payments and notifications in services of theirs
    "up-split": make_target("up-split", ["make", "--no-print-directory", "up-split"]),
    # only notifications extracted (issue 10's target: >= 90 % of `up`'s checkouts per second)
    "up-split-notifications": make_target(
        "up-split-notifications",
        ["make", "--no-print-directory", "up-split", f"UP_SPLIT_TOPOLOGY={NOTIFICATIONS_OUT}"],
    ),
}
