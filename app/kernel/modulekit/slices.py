"""Module slices: which modules a module-sliced test run installs (``pytest --module NAME``,
ADR 0017), read before Django is set up (``app/settings.py`` calls :func:`plan`).

A slice of module ``m`` installs
- ``m`` itself;
- every module whose api ``m``'s code calls (``modules.<d>.api`` read from the source by
  :mod:`app.kernel.extraction.api_uses`, among ``m``'s ``depends_on``), and theirs in turn;
- the module that owns Django's ``auth`` app (its ``owns_apps``): the user model that auth,
  the admin and the token blacklist relate to lives there.

Every other module is replaced by a fake built from its api contract. A module ``m`` only
hears from through events (it imports ``modules.<d>.events``) is faked too: its events are
data and stay importable, and a test publishes them itself. Spring Modulith draws the same
line: an ``@ApplicationModuleTest`` bootstraps the modules whose components it uses, not
those whose events it listens to. Nothing here names a module.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.kernel.extraction.api_uses import uses
from app.kernel.modules import ModuleManifest

IDENTITY_APP = "auth"


@dataclass(frozen=True)
class Slice:
    """What a sliced run of ``module`` installs and fakes (module names, settings order)."""

    module: str
    installed: tuple[str, ...]
    faked: tuple[str, ...]


def _manifests(packages: Sequence[str]) -> dict[str, ModuleManifest]:
    found = (importlib.import_module(f"{package}.manifest").MANIFEST for package in packages)
    return {manifest.name: manifest for manifest in found}


def api_functions(root: Path, module: str) -> dict[str, bool]:
    """``module``'s api functions (name → idempotent) from ``contracts/api/<module>.json``."""
    path = root / "contracts" / "api" / f"{module}.json"
    if not path.exists():
        return {}
    functions = json.loads(path.read_text(encoding="utf-8"))["functions"]
    return {name: spec["idempotent"] for name, spec in functions.items()}


def plan(module: str, packages: Sequence[str], root: Path) -> Slice:
    """The slice of ``module`` among the modules ``packages`` (``SEAMS_MODULES``) of the
    project at ``root``; ``ValueError`` names the modules when ``module`` is not one."""
    manifests = _manifests(packages)
    if module not in manifests:
        raise ValueError(f"no module {module!r} to slice; modules: {', '.join(manifests)}")
    offered = {name: api_functions(root, name) for name in manifests}
    identity = [m.name for m in manifests.values() if IDENTITY_APP in m.owns_apps]
    wanted, todo = set(), [module, *identity]
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        called = {use.callee for use in uses({name: root / "modules" / name}, offered, root)}
        todo.extend(called & set(manifests[name].depends_on))
    return Slice(
        module=module,
        installed=tuple(name for name in manifests if name in wanted),
        faked=tuple(name for name in manifests if name not in wanted),
    )
