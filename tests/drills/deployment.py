"""The ``split`` topology as ``make up-split`` runs it, on a PostgreSQL and a Redis of its own:
the chaos suite's :class:`~tests.chaos.cluster.Cluster`, with the processes of
:func:`app.kernel.topology.processes.plan` (every service's roles, the nginx edge) instead of
the monolith's four roles. A drill stops and starts one service's processes by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import psycopg

from app.kernel.topology import processes
from app.kernel.topology.files import load
from tests.chaos.cluster import ROOT, Cluster, wait_for

TOPOLOGY = "split"
MAIN_DATABASE = "seams_upsplit_drill"


class SplitDeployment(Cluster):
    """``ports``: PostgreSQL, Redis, the edge; the services take the ports after the edge."""

    def __init__(self, base: Path, ports: range, **env: str) -> None:
        super().__init__(base, ports)
        self.env.update(
            DATABASE_URL=self.postgres.url(MAIN_DATABASE),
            SEAMS_INTERNAL_KEYS="drill-internal-key-" + "k" * 40,
            WEB_CONCURRENCY="2",
            **env,
        )
        self.plan = {
            process.name: process
            for process in processes.plan(
                TOPOLOGY, port=self.web_port, state_dir=base / "state", environ_=self.env
            )
        }
        self.databases = processes.service_databases(
            load(TOPOLOGY), self.env["DATABASE_URL"], self.env
        )

    def start(self) -> None:
        self.postgres.start()
        self.redis.start()
        done = subprocess.run(
            [sys.executable, "manage.py", "topology", "migrate", "--topology", TOPOLOGY],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        self.manage("createsuperuser", "--noinput")
        processes.write_edge(
            TOPOLOGY, host="127.0.0.1", port=self.web_port, state_dir=self.base / "state",
            environ_=self.env,
        )  # fmt: skip
        for name in self.plan:
            self.start_process(name)
        for service in self.databases:
            self.wait_ready(service)

    def start_process(self, name: str) -> None:
        process = self.plan[name]
        with (self.logs / f"{name}.log").open("a") as log:
            self.processes[name] = subprocess.Popen(
                list(process.command),
                cwd=ROOT, env={**self.env, **process.env}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def names_of(self, service: str, roles: tuple[str, ...]) -> list[str]:
        return [p.name for p in self.plan.values() if p.service == service and p.role in roles]

    def stop_service(self, service: str, roles: tuple[str, ...] = processes.ROLES) -> None:
        """SIGKILL the service's processes in ``roles``, as a lost host would."""
        for name in self.names_of(service, roles):
            self.kill_role(name)

    def start_service(self, service: str, roles: tuple[str, ...] = processes.ROLES) -> None:
        for name in self.names_of(service, roles):
            self.start_process(name)
        if "web" in roles:
            self.wait_ready(service)

    def service_url(self, service: str) -> str:
        return self.plan[f"{service}-web"].env[processes.url_variable(service)]

    def wait_ready(self, service: str) -> None:
        url = f"{self.service_url(service)}/readyz/"
        wait_for(lambda: httpx.get(url, timeout=5).status_code == 200, 90, f"{service} ready")

    def query_service(self, service: str, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.databases[service], connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def query_module(self, module: str, sql: str, params: tuple = ()) -> list[tuple]:
        """On the database holding ``module``'s tables (its service's)."""
        return self.query_service(load(TOPOLOGY).service_of(module).name, sql, params)
