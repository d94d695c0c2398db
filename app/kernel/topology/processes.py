"""The processes that run a topology on one machine (``make up-split``, the failure drills).

Every service of the topology gets the four roles of ``docker/entrypoint.sh`` (``web``,
``worker``, ``relay``, ``beat``) with ``SEAMS_TOPOLOGY`` and ``SEAMS_SERVICE`` set, its web
role on a port of its own, and the edge (nginx, :mod:`.nginx`) listens on the public
``HOST:PORT`` in front of them. A service's port is ``PORT + 1 + its index`` in the
topology file, unless ``SEAMS_SERVICE_URL_<SERVICE>`` names one; its worker and relay serve
their metrics on that port + 100 and + 200 (``SEAMS_METRICS_PORT``; the web's are on its
``/metrics``). Every process gets every service's URL, so internal calls and event forwards
go service to service, never through the edge. A service's relay and beat work on its own
database; its worker takes its own modules' queues and its own kernel queue
(``app/settings.py``).

:func:`plan` is the one place the list is made: ``manage.py topology procfile`` writes it
as a Procfile for honcho, the drills start and stop its entries one by one. Nothing here
names a module or a service.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import environ
import psycopg
import yaml
from psycopg import sql

from app.kernel.topology import nginx
from app.kernel.topology.files import database_url, load
from app.kernel.topology.schema import DEFAULT_DATABASE, Topology, TopologyError

ROOT = Path(__file__).resolve().parents[3]
ENTRYPOINT = "docker/entrypoint.sh"
ROLES = ("web", "worker", "relay", "beat")
# where a role's metrics are served, as an offset from its service's port (the web: 0, on
# /metrics; beat only enqueues, it records nothing of its own)
METRICS_OFFSETS = {"web": 0, "worker": 100, "relay": 200}
SERVICE_HOST = "127.0.0.1"  # services listen on loopback: only the edge is public
# The web of a service that other services call: granian (ADR 0020), which keeps their
# connections alive without gunicorn's per-request hand-off between threads, with this many
# threads per worker; or, with WEB_SERVER=gunicorn, gthread with as many (the sync worker
# closes a connection per call: ADR 0006).
INTERNAL_WEB_SERVER = "granian"
INTERNAL_WEB_THREADS = "4"
THREADS_VARIABLE = {"granian": "GRANIAN_BLOCKING_THREADS", "gunicorn": "GUNICORN_THREADS"}


@dataclass(frozen=True)
class Process:
    """One process of the plan: ``command`` run from the repository root with ``env``
    added to the environment."""

    name: str  # "payments-web", "edge"
    service: str | None  # None: the edge
    role: str
    command: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    metrics: str | None = None  # "host:port" Prometheus scrapes (/metrics), if any

    def procfile_line(self) -> str:
        assignments = [f"{key}={shlex.quote(value)}" for key, value in self.env.items()]
        words = ["env", *assignments, *(shlex.quote(part) for part in self.command)]
        return f"{self.name}: {' '.join(words)}"


def url_variable(service: str) -> str:
    return f"SEAMS_SERVICE_URL_{service.upper()}"


def service_urls(
    topology: Topology, port: int, environ_: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each service's base URL on this machine: ``SEAMS_SERVICE_URL_<SERVICE>`` when set,
    else ``http://127.0.0.1:<PORT + 1 + index>``; none may be the edge's port."""
    environ_ = os.environ if environ_ is None else environ_
    urls = {}
    for index, name in enumerate(topology.services):
        urls[name] = (environ_.get(url_variable(name)) or "").rstrip("/") or (
            f"http://{SERVICE_HOST}:{port + 1 + index}"
        )
        if port_of(urls[name]) == port:
            raise TopologyError(
                f"service {name!r} at {urls[name]} would take the edge's port {port}: "
                f"set {url_variable(name)} to another address"
            )
    return urls


def web_env(topology: Topology, environ_: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a web role adds to its service's environment: in a topology of several services
    (each called by the others) :data:`INTERNAL_WEB_SERVER` with threads, so calls reuse
    their connections; ``WEB_SERVER`` and the server's threads variable in the environment
    win."""
    environ_ = os.environ if environ_ is None else environ_
    if len(topology.services) < 2:
        return {}
    server = environ_.get("WEB_SERVER") or INTERNAL_WEB_SERVER
    if server not in THREADS_VARIABLE:
        raise TopologyError(f"WEB_SERVER must be one of {sorted(THREADS_VARIABLE)}, not {server!r}")
    threads = THREADS_VARIABLE[server]
    return {"WEB_SERVER": server, threads: environ_.get(threads) or INTERNAL_WEB_THREADS}


def port_of(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def nginx_binary() -> str:
    """``nginx`` on PATH, else Debian's ``/usr/sbin/nginx`` (not on a user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise TopologyError("nginx is not installed (Debian/Ubuntu: apt-get install nginx)")
    return found


def plan(
    topology_name: str,
    *,
    port: int,
    state_dir: Path,
    environ_: Mapping[str, str] | None = None,
) -> list[Process]:
    """Every process that runs the topology ``topology_name`` (a name or a path, as
    ``SEAMS_TOPOLOGY`` takes it) here, the edge last, its public port ``port``.
    ``state_dir`` holds what the processes write (beat schedules, metrics files) and the
    edge's configuration (``edge/nginx.conf``, written by the caller)."""
    topology = load(topology_name)
    urls = service_urls(topology, port, environ_)
    shared = {url_variable(name): url for name, url in urls.items()}
    web = web_env(topology, environ_)
    processes = []
    taken = {port: "the edge"}
    for name in topology.services:
        host = urlsplit(urls[name]).hostname or SERVICE_HOST
        service_port = port_of(urls[name])
        service_env = {
            "SEAMS_TOPOLOGY": topology_name,
            "SEAMS_SERVICE": name,
            **shared,
            "HOST": host,
            "PORT": str(service_port),
            "SEAMS_TRUSTED_PROXIES": "1",  # the edge: the client's address for throttles
            "PROMETHEUS_MULTIPROC_DIR": str(state_dir / f"prometheus-{name}"),
            "PROMETHEUS_WORKER_MULTIPROC_DIR": str(state_dir / f"prometheus-{name}-worker"),
            "CELERY_BEAT_SCHEDULE_FILE": str(state_dir / f"celerybeat-{name}"),
        }
        for role in ROLES:
            args = ("-n", f"{name}@%h") if role == "worker" else ()
            env = {**service_env, **(web if role == "web" else {})}
            metrics = None
            if role in METRICS_OFFSETS:
                metrics_port = service_port + METRICS_OFFSETS[role]
                _claim(taken, metrics_port, f"{name}-{role}", name)
                if role != "web":  # on the service's (loopback) address: no token there
                    env.update(SEAMS_METRICS_PORT=str(metrics_port), SEAMS_METRICS_ADDR=host)
                metrics = f"{host}:{metrics_port}"
            command = (ENTRYPOINT, role, *args)
            processes.append(Process(f"{name}-{role}", name, role, command, env, metrics))
    nginx_command = (nginx_binary(), "-e", "stderr", "-p", str(state_dir / "edge"))
    processes.append(
        Process("edge", None, "edge", (*nginx_command, "-c", "nginx.conf", "-g", "daemon off;"))
    )
    return processes


def _claim(taken: dict[int, str], port: int, process: str, service: str) -> None:
    """Record that ``process`` listens on ``port``; two processes on one port is an error."""
    if port in taken:
        raise TopologyError(
            f"{process} would listen on port {port}, taken by {taken[port]}: set "
            f"{url_variable(service)} to move the service (its metrics ports follow it)"
        )
    taken[port] = process


def write_edge(
    topology_name: str,
    *,
    host: str,
    port: int,
    state_dir: Path,
    environ_: Mapping[str, str] | None = None,
) -> Path:
    """The edge's ``nginx.conf`` for :func:`plan`'s processes: listening on ``host:port``,
    each service's web role as its upstream."""
    topology = load(topology_name)
    urls = service_urls(topology, port, environ_)
    edge_dir = state_dir / "edge"
    edge_dir.mkdir(parents=True, exist_ok=True)
    path = edge_dir / "nginx.conf"
    path.write_text(
        nginx.render(
            topology,
            listen=f"{host}:{port}",
            upstreams={name: urlsplit(url).netloc for name, url in urls.items()},
            generated_by=f"python manage.py topology procfile --topology {topology_name}",
        ),
        encoding="utf-8",
    )
    return path


def prometheus_config(processes: list[Process], *, rule_file: Path) -> str:
    """A Prometheus configuration scraping every process of the plan that serves metrics,
    labelled with its role and service, the alert rules ``rule_file`` loaded."""
    targets = [
        {"targets": [process.metrics], "labels": {"role": process.role, "service": process.service}}
        for process in processes
        if process.metrics
    ]
    config = {
        "global": {"scrape_interval": "15s"},
        "rule_files": [str(rule_file)],
        "scrape_configs": [
            {"job_name": "seams", "metrics_path": "/metrics", "static_configs": targets}
        ],
    }
    header = (
        "# Generated by `python manage.py topology procfile`: every process that serves metrics.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False)


def procfile(processes: list[Process]) -> str:
    header = "# Generated by `python manage.py topology procfile`: one line per process.\n"
    return header + "".join(f"{process.procfile_line()}\n" for process in processes)


def service_databases(
    topology: Topology, main_url: str, environ_: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each service's database URL, as its processes derive it from ``DATABASE_URL``."""
    return {
        name: main_url if service.database == DEFAULT_DATABASE
        else database_url(service.database, main_url, environ_)
        for name, service in topology.services.items()
    }  # fmt: skip


def create_database(url: str) -> bool:
    """Create the PostgreSQL database ``url`` names if it is missing (``True`` when it
    was); a SQLite file is created by its first connection."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return False
    connect = {
        key: value
        for key, value in {
            "host": config.get("HOST"),
            "port": config.get("PORT") or None,
            "user": config.get("USER"),
            "password": config.get("PASSWORD"),
        }.items()
        if value
    }
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **connect) as db:
        name = config["NAME"]
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True
