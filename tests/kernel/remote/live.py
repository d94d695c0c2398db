"""A real service process for the remote-binding tests: the ``web`` role as a topology of
several services runs it (granian, keep-alive: ADR 0020) serving one service of a topology on
its own database, migrated first with the same environment. Started and stopped by the
tests' fixtures."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings

from app.kernel.topology import files as topology_files
from app.kernel.topology.processes import web_env
from tests.app.conftest import ROOT, clean_env

PORTS = range(18110, 18150)  # this suite's share of the port range


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def main_database_url(tmp: Path, suffix: str) -> str:
    """The live service's ``DATABASE_URL``: on the test run's PostgreSQL server when the
    tests use one (named after this run's test database plus ``_<suffix>``, so parallel
    runs with their own test databases never share it), else a SQLite file under ``tmp``."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        return f"sqlite:///{tmp / (suffix + '.sqlite3')}"
    test_name = (default.get("TEST") or {}).get("NAME") or f"test_{default['NAME']}"
    name = f"{test_name}_{suffix}"
    user = default.get("USER") or "postgres"
    password = f":{default['PASSWORD']}" if default.get("PASSWORD") else ""
    port = default.get("PORT") or 5432
    return f"postgres://{user}{password}@{default.get('HOST') or '127.0.0.1'}:{port}/{name}"


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database ``url`` names (no-op for SQLite)."""
    if not url.startswith("postgres"):
        return
    server, _, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(url: str) -> None:
    if url.startswith("postgres"):
        server, _, name = url.rpartition("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveService:
    """``SEAMS_TOPOLOGY=<topology> SEAMS_SERVICE=<service>``, the ``web`` role on a free
    port."""

    def __init__(self, *, topology: str, service: str, main_url: str, log: Path) -> None:
        self.service = service
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = clean_env(
            SEAMS_TOPOLOGY=topology,
            SEAMS_SERVICE=service,
            DATABASE_URL=main_url,
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY="1",
            # the web server and threads the topology's processes run (granian, ADR 0020)
            **web_env(topology_files.load(topology), environ_={}),
            LOG_FORMAT="json",
            LOG_LEVEL="WARNING",
            PROMETHEUS_MULTIPROC_DIR=str(log.parent / f"prometheus-{service}"),
        )
        # the service's own database, named as the topology derives it
        own = topology_files.load(topology).services[service].database
        self.database_url = topology_files.database_url(own, main_url, self.env)
        self.process: subprocess.Popen[bytes] | None = None

    def migrate(self) -> None:
        recreate_postgres_database(self.database_url)
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [str(ROOT / "docker" / "entrypoint.sh"), "web"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        until = time.monotonic() + 60
        while time.monotonic() < until:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"{self.service} did not answer /healthz/: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        drop_postgres_database(self.database_url)
