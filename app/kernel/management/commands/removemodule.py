"""``manage.py removemodule NAME``: undo ``startmodule`` (docs/tutorial.md, last step).

Deletes ``modules/NAME/``, ``tests/modules/NAME/`` and its committed contracts, takes it out
of ``SEAMS_MODULES`` and every topology, and runs ``make generate``. Refuses while another
module depends on it. Its tables stay in existing databases (drop them, or the database).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from app.kernel import modulekit
from app.kernel.boundaries.describe import repo_root
from app.kernel.modules import manifests


class Command(BaseCommand):
    help = "Remove a module made by startmodule: its files, registration and generated files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        if name not in manifests():
            raise CommandError(f"no module {name!r}")
        if users := sorted(m.name for m in manifests().values() if name in m.depends_on):
            raise CommandError(f"{', '.join(users)} depend on {name}: remove that first")
        modulekit.unregister(name)
        for path in modulekit.remove_files(name):
            self.stdout.write(f"removed {path.relative_to(repo_root())}")
        modulekit.run("make", "--no-print-directory", "generate")
        self.stdout.write(f"removed module {name}; regenerated the contracts and docs")
