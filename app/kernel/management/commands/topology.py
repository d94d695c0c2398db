"""``manage.py topology``: validate and print deployable shapes (topologies/*.toml).

python manage.py topology check                   # every shipped topology
python manage.py topology check --topology split  # one (a name or a path)
python manage.py topology show                    # the running one (SEAMS_TOPOLOGY)
python manage.py topology show --topology split --format mermaid
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from app.kernel.modules import manifests
from app.kernel.topology import describe
from app.kernel.topology.files import load, shipped
from app.kernel.topology.schema import TopologyError
from app.kernel.topology.validation import modules_offering_api, validate_project


class Command(BaseCommand):
    help = "Check or show topologies: which service hosts which module, on which database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("check", "show"))
        parser.add_argument("--topology", help="a name under topologies/ or a path")
        parser.add_argument("--format", default="text", choices=("text", "mermaid"))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        chosen = options["topology"]
        if action == "show":
            try:
                topology = load(chosen or settings.SEAMS_TOPOLOGY)
            except TopologyError as exc:
                raise CommandError(str(exc)) from None
            found = manifests()
            if options["format"] == "mermaid":
                self.stdout.write(describe.mermaid(topology, found), ending="")
            else:
                self.stdout.write(describe.text(topology, found, modules_offering_api(found)))
            return
        failed = []
        for name in [chosen] if chosen else shipped():
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
