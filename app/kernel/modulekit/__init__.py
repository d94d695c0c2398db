"""The module kit: create a module in the standard shape, or remove one, and keep everything
that lists the modules in step (``manage.py startmodule`` / ``manage.py removemodule``).

A new module is rendered from ``template/`` (Django's own ``startapp`` machinery,
``TemplateCommand``, renders the ``*.py-tpl`` files), registered in ``app/settings.py``
(``SEAMS_MODULES``) and in every committed topology, given its first migration, and the
generated files are rewritten (``make generate``). Removing reverses each step. Both edit
text in place, so the files keep their comments; each edit refuses when the file does not
have the shape it expects rather than guess.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.core.management.base import CommandError

from app.kernel.boundaries.describe import repo_root

TEMPLATE = Path(__file__).resolve().parent / "template"
_MODULES_LIST = re.compile(r"^SEAMS_MODULES = \[\n(?P<body>(?:    \"modules\.\w+\",\n)+)\]", re.M)
_SERVICE = re.compile(r"^\[services\.(?P<name>\w+)\]\n(?P<body>(?:(?!\[).*\n?)*)", re.M)
_HOSTED = re.compile(r"^modules = \[(?P<list>[^\]]*)\]", re.M)


def settings_file() -> Path:
    return repo_root() / "app" / "settings.py"


def topology_files() -> list[Path]:
    return sorted((repo_root() / "topologies").glob("*.toml"))


def _modules_block(text: str) -> re.Match[str]:
    match = _MODULES_LIST.search(text)
    if match is None:
        raise CommandError('app/settings.py: no `SEAMS_MODULES = [` list of "modules.<name>",')
    return match


def register(name: str) -> list[Path]:
    """Add ``modules.<name>`` to ``SEAMS_MODULES`` and host it in every topology."""
    path = settings_file()
    text = path.read_text(encoding="utf-8")
    block = _modules_block(text)
    line = f'    "modules.{name}",\n'
    path.write_text(text[: block.end("body")] + line + text[block.end("body") :], "utf-8")
    changed = [path]
    for topology in topology_files():
        topology.write_text(_hosted(topology.read_text(encoding="utf-8"), name), "utf-8")
        changed.append(topology)
    return changed


def _hosted(text: str, name: str) -> str:
    """``text`` (a topology) hosting ``name``: a service of its own when every service hosts
    one module (the split test mode), else in the service hosting the most modules."""
    services = [(m, _modules_of(m["body"])) for m in _SERVICE.finditer(text)]
    if not services:
        raise CommandError("a topology without [services.<name>] tables")
    if all(len(hosted) == 1 for _, hosted in services):
        return text.rstrip("\n") + (
            f'\n\n[services.{name}]\nmodules = ["{name}"]\ndatabase = "{name}"\n'
        )
    largest, hosted = max(services, key=lambda service: len(service[1]))
    listed = _HOSTED.search(largest["body"])
    start = largest.start("body") + listed.start("list")
    end = largest.start("body") + listed.end("list")
    return text[:start] + ", ".join(f'"{m}"' for m in [*hosted, name]) + text[end:]


def _modules_of(body: str) -> list[str]:
    listed = _HOSTED.search(body)
    return re.findall(r'"(\w+)"', listed["list"]) if listed else []


def unregister(name: str) -> None:
    """Take ``modules.<name>`` out of ``SEAMS_MODULES`` and out of every topology."""
    path = settings_file()
    text = path.read_text(encoding="utf-8")
    _modules_block(text)
    path.write_text(text.replace(f'    "modules.{name}",\n', "", 1), "utf-8")
    for topology in topology_files():
        text = topology.read_text(encoding="utf-8")
        own = re.compile(rf"\n*^\[services\.{name}\]\n(?:(?!\[).*\n?)*", re.M)
        text = own.sub("\n", text).rstrip("\n") + "\n"
        text = re.sub(rf'(, )?"{name}"(, )?', lambda m: ", " if m[1] and m[2] else "", text)
        topology.write_text(text, "utf-8")


def remove_files(name: str) -> list[Path]:
    """Delete the module's package, its tests and its committed contracts."""
    root = repo_root()
    gone = [root / "modules" / name, root / "tests" / "modules" / name]
    gone += [root / "contracts" / "api" / f"{name}.json"]
    gone += sorted((root / "contracts" / "events").glob(f"{name}.*.json"))
    for path in gone:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return gone


def run(*command: str) -> None:
    """Run a project command in a fresh process (it reads the settings just written)."""
    args = [sys.executable, "manage.py", *command[1:]] if command[0] == "manage.py" else command
    result = subprocess.run(  # noqa: S603 - our own commands, no shell
        list(args), cwd=repo_root(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise CommandError(f"`{' '.join(command)}` failed:\n{result.stdout}{result.stderr}")
