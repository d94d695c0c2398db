"""``manage.py topology``: validate, print and run deployable shapes (topologies/*.toml).

python manage.py topology check                   # every shipped topology
python manage.py topology check --topology split  # one (a name or a path)
python manage.py topology show                    # the running one (SEAMS_TOPOLOGY)
python manage.py topology show --topology split --format mermaid
python manage.py topology edge --topology split   # the edge's nginx.conf (docker/edge/)
python manage.py topology migrate --topology split   # each service's database: create, migrate
python manage.py topology procfile --topology split --dir var/up-split  # + prometheus.yml
python manage.py topology k8s --topology split    # Kubernetes manifests (--write: deploy/k8s/)
python manage.py topology k8s --check             # deploy/k8s/ matches the topologies (CI)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from app.kernel.boundaries.describe import REGENERATE_ALL
from app.kernel.modules import manifests
from app.kernel.topology import describe, k8s, nginx, processes
from app.kernel.topology.files import load, shipped
from app.kernel.topology.schema import TopologyError
from app.kernel.topology.validation import modules_offering_api, validate_project

#: The container layout the committed edge files are for (docker-compose.yml, the image):
#: every service reachable by its name on port 8000, the edge listening on 8000.
CONTAINER_PORT = 8000


class Command(BaseCommand):
    help = "Check, show or run topologies: which service hosts which module, on which database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "action", choices=("check", "show", "edge", "migrate", "procfile", "k8s")
        )
        parser.add_argument("--topology", help="a name under topologies/ or a path")
        parser.add_argument("--format", default="text", choices=("text", "mermaid"))
        parser.add_argument(
            "--check",
            nargs="?",
            const=True,
            metavar="FILE",
            help="edge: fail unless FILE (default docker/edge/<topology>.conf) holds what would "
            "be written; k8s: fail when deploy/k8s/ is stale",
        )
        parser.add_argument("--host", help="procfile: the edge's address; k8s: the public host")
        edge = parser.add_argument_group("edge")
        edge.add_argument("--output", help="edge: write the configuration to this file")
        run = parser.add_argument_group("procfile")
        run.add_argument("--port", type=int, default=8000, help="the edge's public port")
        run.add_argument("--dir", default="var/up-split", help="where the processes' files go")
        manifests_ = parser.add_argument_group("k8s")
        manifests_.add_argument("--write", action="store_true", help="k8s: rewrite deploy/k8s/")
        manifests_.add_argument("--image", default=k8s.DEFAULT_IMAGE, help="k8s: the image")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        chosen = options["topology"]
        try:
            if action == "check":
                self.check_all([chosen] if chosen else shipped())
                return
            if action == "k8s":
                self.k8s([chosen] if chosen else shipped(), options)
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
            path = Path(output if options["check"] is True else options["check"])
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                raise CommandError(
                    f"{path} is out of date with topology {name!r}: run `{command}` "
                    f"({REGENERATE_ALL})"
                )
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
        """The processes of ``make up-split`` as a Procfile, the edge's nginx.conf for them
        and a Prometheus configuration scraping them (``prometheus.yml``), under --dir."""
        state = Path(options["dir"]).resolve()
        plan = processes.plan(name, port=options["port"], state_dir=state)
        host = options["host"] or "127.0.0.1"
        processes.write_edge(name, host=host, port=options["port"], state_dir=state)
        path = state / "Procfile"
        path.write_text(processes.procfile(plan), encoding="utf-8")
        rules = processes.ROOT / "deploy" / "prometheus" / "alerts.yml"
        scrape = state / "prometheus.yml"
        scrape.write_text(processes.prometheus_config(plan, rule_file=rules), encoding="utf-8")
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

    def k8s(self, names: list[str], options: dict[str, Any]) -> None:
        """Kubernetes manifests per topology: printed, written under deploy/k8s/ or checked."""
        topologies = [load(name) for name in names]
        root = Path(settings.BASE_DIR)
        if options["write"] or options["check"]:
            files = k8s.wanted(topologies)
            if options["check"]:
                if problems := k8s.stale(root, files):
                    raise CommandError(
                        f"stale Kubernetes manifests: {', '.join(problems)}; regenerate them "
                        f"with `python manage.py topology k8s --write` ({REGENERATE_ALL})"
                    )
                self.stdout.write(f"{len(files)} Kubernetes manifest files are up to date")
                return
            for path in k8s.stale(root, files):
                if path not in files:
                    (root / path).unlink()
                    self.stdout.write(f"removed {path}")
            for path, text in files.items():
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text(text, encoding="utf-8")
                self.stdout.write(f"wrote {path}")
            return
        for topology in topologies:
            host = options["host"] or k8s.DEFAULT_HOST
            rendered = k8s.render(topology, image=options["image"], host=host)
            for name, text in rendered.items():
                self.stdout.write(f"---\n# {name}\n{text}", ending="")
