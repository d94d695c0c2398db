"""A private Seams deployment for the chaos suite: its own PostgreSQL cluster and Redis
server (so the suite may kill them), and the ``web``, ``worker``, ``relay`` and ``beat``
roles of ``docker/entrypoint.sh`` on the production profile, each in its own process group.

Everything lives under one temporary directory and on ports given by the caller;
:meth:`Cluster.close` stops every process it started, whatever state they are in.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("SEAMS_CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROLES = ("web", "worker", "relay", "beat")


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # not up yet: whatever the client raises
            if value := predicate():
                return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Postgres:
    """A throwaway cluster (initdb + pg_ctl; pg_ctlcluster only knows system clusters)."""

    def __init__(self, base: Path, port: int) -> None:
        self.data = base / "pgdata"
        self.port = port
        self.log = base / "postgres.log"
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(base, "postgres")
            shutil.chown(self.data, "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "--no-sync"]),
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data} "
            "-c max_connections=200 -c fsync=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                          "-o", options, "-w", "-t", "60", "start"]),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: every backend killed at once, crash recovery at the next start."""
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                          "-t", "60", "stop"]),
            capture_output=True,
        )  # fmt: skip

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


class Redis:
    """``redis-server`` as a broker should run: append-only file, ``noeviction``."""

    def __init__(self, base: Path, port: int) -> None:
        self.dir = base / "redis"
        self.dir.mkdir()
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.dir / "redis.log").open("a") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--dir", str(self.dir), "--appendonly", "yes", "--save", "",
                 "--maxmemory-policy", "noeviction", "--protected-mode", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: redis.Redis(port=self.port).ping(), 30, "Redis to start")

    def stop(self) -> None:
        """SIGTERM: Redis writes its append-only file and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


class Cluster:
    """Private PostgreSQL and Redis, migrated, with the four roles started from
    ``docker/entrypoint.sh`` (the Procfile's commands)."""

    def __init__(self, base: Path, ports: range) -> None:
        self.base = base
        self.base.mkdir(parents=True, exist_ok=True)
        self.logs = base / "logs"
        self.logs.mkdir()
        self.postgres = Postgres(base / "pg", ports[0])
        self.redis = Redis(base, ports[1])
        self.web_port = ports[2]
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(base),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "app.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": "chaos-suite-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": self.postgres.url("seams_harddelivery_chaos"),
            "REDIS_URL": self.redis.url(0),
            "DB_CONN_MAX_AGE": "60",
            "HOST": "127.0.0.1",
            "PORT": str(self.web_port),
            "WEB_CONCURRENCY": "3",
            "THROTTLE_USER": "100000/min",
            "THROTTLE_AUTH": "100000/min",
            "LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": str(base / "prometheus"),
            "CELERY_BEAT_SCHEDULE_FILE": str(base / "celerybeat-schedule"),
            "DJANGO_SUPERUSER_EMAIL": "ops@chaos.example.com",
            "DJANGO_SUPERUSER_PASSWORD": "chaos-ops-password-1",
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        self.postgres.start()
        self.postgres.create_database("seams_harddelivery_chaos")
        self.redis.start()
        self.manage("migrate", "--noinput")
        self.manage("createsuperuser", "--noinput")
        for role in ROLES:
            self.start_role(role)
        wait_for(lambda: self.readyz() == 200, 60, "the web role to be ready")

    def manage(self, *args: str) -> None:
        subprocess.run(
            [str(ROOT / "docker" / "entrypoint.sh"), "manage", *args],
            cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip

    def readyz(self) -> int:
        return httpx.get(f"{self.base_url}/readyz/", timeout=5).status_code

    def start_role(self, role: str) -> None:
        args = ["-c", "2"] if role == "worker" else []
        with (self.logs / f"{role}.log").open("a") as log:
            self.processes[role] = subprocess.Popen(
                [str(ROOT / "docker" / "entrypoint.sh"), role, *args],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill_role(self, role: str) -> None:
        """SIGKILL the role's whole process group (a worker's children too)."""
        process = self.processes[role]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def close(self) -> None:
        for role, process in self.processes.items():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill_role(role)
        self.redis.stop()
        self.postgres.stop()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.env["DATABASE_URL"], connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()
