"""``manage.py topology``: validate, print and run deployable shapes (topologies/*.toml).

python manage.py topology check                   # every shipped topology
python manage.py topology check --topology split  # one (a name or a path)
python manage.py topology show                    # the running one (SEAMS_TOPOLOGY)
python manage.py topology show --topology split --format mermaid
python manage.py topology edge --topology split   # the edge's nginx.conf (docker/edge/)
python manage.py topology migrate --topology split   # each service's database: create, migrate
python manage.py topology procfile --topology split --port 8000 --dir var/up-split
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from app.kernel.modules import manifests
from app.kernel.topology import describe, nginx, processes
from app.kernel.topology.files import load, shipped
from app.kernel.topology.schema import TopologyError
from app.kernel.topology.validation import modules_offering_api, validate_project

#: The container layout the committed edge files are for (docker-compose.yml, the image):
#: every service reachable by its name on port 8000, the edge listening on 8000.
CONTAINER_PORT = 8000


class Command(BaseCommand):
    help = "Check, show or run topologies: which service hosts which module, on which database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("check", "show", "edge", "migrate", "procfile"))
        parser.add_argument("--topology", help="a name under topologies/ or a path")
        parser.add_argument("--format", default="text", choices=("text", "mermaid"))
        edge = parser.add_argument_group("edge")
        edge.add_argument("--output", help="edge: write the configuration to this file")
        edge.add_argument(
            "--check", metavar="FILE", help="edge: fail unless FILE holds what would be written"
        )
        run = parser.add_argument_group("procfile")
        run.add_argument("--host", default="127.0.0.1", help="the edge's public address")
        run.add_argument("--port", type=int, default=8000, help="the edge's public port")
        run.add_argument("--dir", default="var/up-split", help="where the processes' files go")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        chosen = options["topology"]
        try:
            if action == "check":
                self.check_all([chosen] if chosen else shipped())
                return
            name = chosen or settings.SEAMS_TOPOLOGY
            getattr(self, action)(name, options)
        except TopologyError as exc:
            raise CommandError(str(exc)) from None

    def show(self, name: str, options: dict[str, Any]) -> None:
        topology, found = load(name), manifests()
        if options["format"] == "mermaid":
            self.stdout.write(describe.mermaid(topology, found), ending="")
        else:
            self.stdout.write(describe.text(topology, found, modules_offering_api(found)))

    def edge(self, name: str, options: dict[str, Any]) -> None:
        """The nginx.conf of the container layout (committed under docker/edge/)."""
        topology = load(name)
        output = f"docker/edge/{name}.conf"
        command = f"python manage.py topology edge --topology {name} --output {output}"
        text = nginx.render(
            topology,
            listen=str(CONTAINER_PORT),
            upstreams={service: f"{service}:{CONTAINER_PORT}" for service in topology.services},
            generated_by=command,
        )
        if options["check"]:
            path = Path(options["check"])
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date with topology {name!r}: run `{command}`")
            self.stdout.write(f"{path}: up to date")
        elif options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")

    def migrate(self, name: str, options: dict[str, Any]) -> None:
        """Each service's database, derived from DATABASE_URL: created if missing, then
        migrated by a process of that service (so it gets its own modules' tables only)."""
        main_url = os.environ.get("DATABASE_URL")
        if not main_url:
            raise CommandError("set DATABASE_URL (each service's database is derived from it)")
        for service, url in processes.service_databases(load(name), main_url).items():
            created = processes.create_database(url)
            self.stdout.write(f"{service}: database {url.rpartition('/')[2]}"
                              f"{' created' if created else ''}, migrating")  # fmt: skip
            done = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput"],
                cwd=processes.ROOT,
                env={**os.environ, "SEAMS_TOPOLOGY": name, "SEAMS_SERVICE": service},
                check=False,
            )
            if done.returncode:
                raise CommandError(f"migrating service {service!r} failed")

    def procfile(self, name: str, options: dict[str, Any]) -> None:
        """The processes of ``make up-split`` as a Procfile, and the edge's nginx.conf
        for them, under --dir."""
        state = Path(options["dir"]).resolve()
        plan = processes.plan(name, port=options["port"], state_dir=state)
        processes.write_edge(name, host=options["host"], port=options["port"], state_dir=state)
        path = state / "Procfile"
        path.write_text(processes.procfile(plan), encoding="utf-8")
        self.stdout.write(str(path))

    def check_all(self, names: list[str]) -> None:
        failed = []
        for name in names:
            try:
                problems = validate_project(load(name))
            except TopologyError as exc:
                self.stderr.write(f"{name}: error: {exc}")
                failed.append(name)
                continue
            for problem in problems:
                stream = self.stderr if problem.level == "error" else self.stdout
                stream.write(f"{name}: {problem}")
            if any(problem.level == "error" for problem in problems):
                failed.append(name)
            else:
                self.stdout.write(f"{name}: ok")
        if failed:
            raise CommandError(f"invalid topology: {', '.join(failed)}")
