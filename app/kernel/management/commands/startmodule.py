"""``manage.py startmodule NAME``: a new module in the standard shape, registered, migrated,
with its contracts and docs generated and its tests passing (docs/tutorial.md).

    python manage.py startmodule reviews --depends-on orders,catalog \\
        --summary "Customers' reviews of products they bought." --entity Review

Creates ``modules/NAME/`` (``__init__``, ``manifest``, ``apps``, ``models``, ``events``,
``selectors``, ``services``, ``api``, ``handlers``, ``admin``, ``http/``, ``migrations/``)
and ``tests/modules/NAME/``; adds it to ``SEAMS_MODULES`` and to every topology; runs
``makemigrations NAME`` and ``make generate``. ``manage.py removemodule NAME`` undoes it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.core.management.templates import TemplateCommand

from app.kernel import modulekit
from app.kernel.boundaries.describe import repo_root
from app.kernel.modules import ModuleManifest, manifests


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


class Command(BaseCommand):
    help = "Create a module in the standard shape, register it and generate its files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="the module's name: a lowercase Python identifier")
        parser.add_argument(
            "--depends-on", default="", help="comma-separated modules whose api/events it uses"
        )
        parser.add_argument("--summary", default="", help="one line: what it owns")
        parser.add_argument(
            "--entity", default="", help="its first model (default: NAME, singular, CamelCase)"
        )

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        depends_on = tuple(d for d in options["depends_on"].replace(" ", "").split(",") if d)
        ModuleManifest(name=name, summary="", depends_on=depends_on)  # validates the name
        if name in manifests():
            raise CommandError(f"module {name!r} exists already")
        if unknown := sorted(set(depends_on) - set(manifests())):
            raise CommandError(f"--depends-on: no such module {', '.join(unknown)}")
        entity = options["entity"] or _camel(name.removesuffix("s"))
        if not entity.isidentifier() or not entity[0].isupper():
            raise CommandError(f"--entity {entity!r}: a CamelCase class name")
        summary = options["summary"] or f"{_camel(name)} rows of customers."
        quoted = [json.dumps(d) for d in depends_on]
        context = {
            "summary": summary,
            "summary_literal": json.dumps(summary, ensure_ascii=False),
            "depends_on": f"({quoted[0]},)" if len(quoted) == 1 else f"({', '.join(quoted)})",
            "verbose_name": name.replace("_", " ").capitalize(),
            "entity": entity,
            "entity_snake": _snake(entity),
            "entity_verbose": _snake(entity).replace("_", " "),
        }
        root = repo_root()
        self._render(name, "module", root / "modules" / name, context)
        self._render(name, "tests", root / "tests" / "modules" / name, context)
        for path in modulekit.register(name):
            self.stdout.write(f"registered {name} in {path.relative_to(root)}")
        modulekit.run("manage.py", "makemigrations", name)
        modulekit.run("make", "--no-print-directory", "generate")
        self.stdout.write(
            f"created modules/{name} and tests/modules/{name}; regenerated the contracts and "
            f"docs. Next: `.venv/bin/pytest tests/modules/{name}`"
        )

    def _render(self, name: str, part: str, target, context: dict[str, str]) -> None:
        target.mkdir(parents=True, exist_ok=False)
        TemplateCommand(stdout=self.stdout, stderr=self.stderr).handle(
            "app",
            name,
            str(target),
            template=str(modulekit.TEMPLATE / part),
            extensions=["py"],
            files=[],
            verbosity=0,
            **context,
        )
