"""``manage.py topology``: validate and print deployable shapes (topologies/*.toml).

python manage.py topology check                   # every shipped topology
python manage.py topology check --topology split  # one (a name or a path)
python manage.py topology show                    # the running one (SEAMS_TOPOLOGY)
python manage.py topology show --topology split --format mermaid
python manage.py topology k8s --topology split    # Kubernetes manifests (--write: deploy/k8s/)
python manage.py topology k8s --check             # deploy/k8s/ matches the topologies (CI)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from app.kernel.modules import manifests
from app.kernel.topology import describe, k8s
from app.kernel.topology.files import load, shipped
from app.kernel.topology.schema import TopologyError
from app.kernel.topology.validation import modules_offering_api, validate_project


class Command(BaseCommand):
    help = "Check or show topologies: which service hosts which module, on which database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("check", "show", "k8s"))
        parser.add_argument("--topology", help="a name under topologies/ or a path")
        parser.add_argument("--format", default="text", choices=("text", "mermaid"))
        parser.add_argument("--write", action="store_true", help="k8s: rewrite deploy/k8s/")
        parser.add_argument("--check", action="store_true", help="k8s: fail when it is stale")
        parser.add_argument("--image", default=k8s.DEFAULT_IMAGE, help="k8s: the image")
        parser.add_argument("--host", default=k8s.DEFAULT_HOST, help="k8s: the public host")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        chosen = options["topology"]
        if action == "k8s":
            self._k8s(chosen, options)
            return
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

    def _k8s(self, chosen: str | None, options: dict[str, Any]) -> None:
        try:
            topologies = [load(name) for name in ([chosen] if chosen else shipped())]
        except TopologyError as exc:
            raise CommandError(str(exc)) from None
        root = Path(settings.BASE_DIR)
        if options["write"] or options["check"]:
            files = k8s.wanted(topologies)
            if options["check"]:
                if problems := k8s.stale(root, files):
                    raise CommandError(
                        f"stale Kubernetes manifests: {', '.join(problems)}; regenerate them "
                        f"with `python manage.py topology k8s --write`"
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
            rendered = k8s.render(topology, image=options["image"], host=options["host"])
            for name, text in rendered.items():
                self.stdout.write(f"---\n# {name}\n{text}", ending="")
