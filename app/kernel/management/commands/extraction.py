"""``manage.py extraction``: what couples a module to the rest, and moving its data.

python manage.py extraction report payments                  # verdict, facts, steps (text)
python manage.py extraction report payments --format json
python manage.py extraction report notifications --format toml > topologies/notifications-out.toml
SEAMS_TOPOLOGY=split python manage.py extraction move-data payments --from default --to payments
SEAMS_TOPOLOGY=split python manage.py extraction move-data payments --from default --to payments \
    --verify                                                  # compare only

docs/extraction.md is the playbook.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from app.kernel.events.bus import bus
from app.kernel.extraction import move, render
from app.kernel.extraction.coupling import project_coupling
from app.kernel.extraction.readiness import assess
from app.kernel.modules import manifests
from app.kernel.topology.files import load
from app.kernel.topology.schema import TopologyError
from app.kernel.topology.validation import modules_offering_api


class Command(BaseCommand):
    help = "Report what couples a module to the rest (and how to extract it), or move its data."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="coupling, readiness verdict and steps")
        report.add_argument("module")
        report.add_argument("--topology", help="the topology it leaves (default: SEAMS_TOPOLOGY)")
        report.add_argument("--name", help="the new topology's name (default: <module>-out)")
        report.add_argument("--format", default="text", choices=("text", "json", "toml"))
        data = sub.add_parser("move-data", help="copy a module's rows to another database")
        data.add_argument("module")
        data.add_argument("--from", dest="source", required=True, help="database alias")
        data.add_argument("--to", dest="target", required=True, help="database alias")
        data.add_argument(
            "--replace", action="store_true", help="delete the target's rows of it first"
        )
        data.add_argument(
            "--verify", action="store_true", help="only compare both sides, copy nothing"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        module = options["module"]
        if module not in manifests():
            raise CommandError(f"no module {module!r} (modules: {', '.join(manifests())})")
        if action == "report":
            self._report(module, options)
        else:
            self._move(module, options)

    def _report(self, module: str, options: dict[str, Any]) -> None:
        try:
            base = load(options["topology"] or settings.SEAMS_TOPOLOGY)
        except TopologyError as exc:
            raise CommandError(str(exc)) from None
        if module not in base.hosts:
            raise CommandError(f"topology {base.name!r} hosts no module {module!r}")
        found = manifests()
        readiness = assess(
            project_coupling(module),
            base,
            options["name"] or f"{module}-out",
            manifests=found,
            offers_api=modules_offering_api(found),
            subscriptions=bus.all_subscriptions(),
            main_database=_database_name(),
        )
        fmt = options["format"]
        if fmt == "toml":
            self.stdout.write(render.as_toml(readiness.candidate), ending="")
        elif fmt == "json":
            self.stdout.write(render.as_json(readiness), ending="")
        else:
            self.stdout.write(render.as_text(readiness), ending="")

    def _move(self, module: str, options: dict[str, Any]) -> None:
        source, target = options["source"], options["target"]
        if not options["verify"]:
            try:
                copied = move.move(module, source=source, target=target, replace=options["replace"])
            except move.MoveError as exc:
                raise CommandError(str(exc)) from None
            for table, rows in copied.items():
                self.stdout.write(f"copied {rows} rows of {table}: {source} → {target}")
        checks = move.verify(module, source=source, target=target)
        for check in checks:
            state = "same" if check.same else "DIFFERENT"
            self.stdout.write(
                f"{state}: {check.table}: {check.source_rows} rows in {source}, "
                f"{check.target_rows} in {target}"
            )
        if not all(check.same for check in checks):
            raise CommandError(f"{module}'s rows differ between {source} and {target}")
        self.stdout.write(f"{module}: {source} and {target} hold the same rows")


def _database_name() -> str:
    """The default database's name, as the derived ones are named (``seams`` → ``seams_x``)."""
    name = str(settings.DATABASES["default"]["NAME"])
    return name.rsplit("/", 1)[-1].removesuffix(".sqlite3")
