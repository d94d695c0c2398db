"""``manage.py modules``: the modules, their dependencies and public surface; the generated
boundary files.

    python manage.py modules                       # list (text)
    python manage.py modules --format mermaid      # the module graph
    python manage.py modules --format markdown     # what docs/modules.md holds
    python manage.py modules contracts             # importlinter.ini as generated
    python manage.py modules contracts --write     # rewrite importlinter.ini
    python manage.py modules docs --write          # rewrite docs/modules.md
    python manage.py modules contracts --check     # exit 1 when the file is stale (CI)
    python manage.py modules api-contracts --check # module api schemas (contracts/api/) vs code
    python manage.py modules api-contracts --write # regenerate contracts/api/<module>.json
    python manage.py modules affected --base main  # test paths of the modules a change touches
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from app.kernel.boundaries import affected, describe
from app.kernel.boundaries.describe import REGENERATE_ALL
from app.kernel.modules import manifests
from app.kernel.remote import contracts as api_contracts


class Command(BaseCommand):
    help = "List modules (dependencies, api, events, tables) or write the generated files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "action",
            nargs="?",
            default="list",
            choices=("list", "contracts", "docs", "api-contracts", "affected"),
            help=(
                "list (default), contracts (importlinter.ini), docs (docs/modules.md), "
                "api-contracts (contracts/api/*.json: checked unless --write), "
                "affected (the test paths a change since --base selects; make test-changed)"
            ),
        )
        parser.add_argument("--base", default="HEAD", help="for affected: the git revision")
        parser.add_argument(
            "--format", default="text", choices=("text", "mermaid", "markdown"), help="for list"
        )
        parser.add_argument("--write", action="store_true", help="rewrite the generated file")
        parser.add_argument(
            "--check", action="store_true", help="fail when the generated file is stale"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            fmt = options["format"]
            if fmt == "mermaid":
                self.stdout.write(describe.mermaid(manifests()), ending="")
            elif fmt == "markdown":
                self.stdout.write(describe.docs_text(), ending="")
            else:
                self.stdout.write(describe.text(describe.canvases()), ending="")
            return
        if action == "affected":
            self._affected(options["base"])
            return
        if action == "api-contracts":
            self._api_contracts(write=options["write"])
            return
        relative, produce = describe.GENERATED[action]
        path = describe.repo_root() / relative
        wanted = produce()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != wanted:
                raise CommandError(
                    f"{relative} is stale: regenerate it with "
                    f"`python manage.py modules {action} --write` ({REGENERATE_ALL})"
                )
            self.stdout.write(f"{relative} is up to date")
        elif options["write"]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted, encoding="utf-8")
            self.stdout.write(f"wrote {relative}")
        else:
            self.stdout.write(wanted, ending="")

    def _affected(self, base: str) -> None:
        """One line: the test paths to run (``tests`` for all of them; empty for none)."""
        root = describe.repo_root()
        paths = affected.changed_files(base, str(root))
        modules = affected.touched(paths, manifests())
        if modules is affected.EVERYTHING:
            self.stdout.write("tests")
            return
        selected = affected.with_dependents(modules, manifests())
        tests = [f"tests/modules/{m}" for m in manifests() if m in selected]
        self.stdout.write(" ".join(t for t in tests if (root / t).is_dir()))

    def _api_contracts(self, *, write: bool) -> None:
        modules = api_contracts.api_modules()
        directory = api_contracts.contracts_dir()
        if write:
            for path in api_contracts.write(modules, directory):
                self.stdout.write(f"wrote {path.relative_to(directory.parent.parent)}")
            return
        if problems := api_contracts.check(modules, directory):
            raise CommandError(
                "module api contracts:\n  " + "\n  ".join(problems) + f"\n({REGENERATE_ALL})"
            )
        self.stdout.write(f"{len(modules)} module api contracts OK")
