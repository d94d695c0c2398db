"""Generate ``importlinter.ini`` from the module manifests, so contracts and manifests agree.

``python manage.py modules contracts --write`` rewrites the file; a test fails when the
committed file differs from what this produces. Contracts (ids are stable; the baseline's
``[[imports]]`` entries name them):

- ``kernel-imports-no-module``: ``app.kernel`` imports no module and nothing of the
  composition root (``app.settings``, ``app.urls``, ``app.celery``, ``app.wsgi``, the
  ``app`` package itself through them).
- ``modules-import-no-composition-root``: modules never import the composition root.
- ``<m>-imported-only-through-api-and-events`` (one per module): other modules import ``m``
  only through ``modules.m.api`` and ``modules.m.events``.
- ``<m>-uses-only-declared-modules`` (one per module that does not depend on all others):
  ``m`` imports no module outside its manifest's ``depends_on``.
- ``modules-acyclic``: no import cycle between modules, through api and events included.
- ``module-internal-layers``: inside every module, ``http | admin | demo`` above
  ``api : handlers : tasks`` above ``services`` above ``selectors`` above ``models | events``.

The private submodules of each module are read from the source tree (every ``.py`` and
subpackage but the public ones), so adding a file to a module means regenerating the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from app.kernel.boundaries.baseline import Baseline, ImportEntry
from app.kernel.modules import MODULES_PACKAGE, ModuleManifest

COMPOSITION_ROOT = ("app.settings", "app.urls", "app.celery", "app.wsgi")

#: Top to bottom. ``|``: siblings that must not import each other; ``:``: siblings that may.
MODULE_LAYERS = (
    "(http) | (admin) | (demo)",
    "(api) : (handlers) : (tasks)",
    "(services)",
    "(selectors)",
    "(models) | (events)",
)

HEADER = """\
# GENERATED from the module manifests (modules/*/manifest.py) and
# boundaries-baseline.toml by `python manage.py modules contracts --write`. Do not edit:
# change a manifest or the baseline and regenerate; tests/architecture fails when this file
# is stale. Why each contract exists: docs/decisions/0002-boundaries.md.
"""


class ContractsError(ValueError):
    pass


def submodules(package_dir: Path) -> list[str]:
    """Top-level submodules of a module package: ``.py`` files and subpackages."""
    names = set()
    for child in package_dir.iterdir():
        if child.name.startswith((".", "_")):
            continue
        if child.is_dir() and (child / "__init__.py").exists():
            names.add(child.name)
        elif child.suffix == ".py" and child.stem.isidentifier():
            names.add(child.stem)
    return sorted(names)


def contract_ids(found: Mapping[str, ModuleManifest]) -> list[str]:
    return [cid for cid, _ in _contracts(found, {name: [] for name in found}, Baseline())]


def generate(
    found: Mapping[str, ModuleManifest],
    trees: Mapping[str, Sequence[str]],
    baseline: Baseline = Baseline(),  # noqa: B008 (immutable)
    root_packages: Sequence[str] = ("app", MODULES_PACKAGE),
) -> str:
    """The ``importlinter.ini`` text for ``found`` manifests and module ``trees``.

    ``trees``: module name → its top-level submodule names (see :func:`submodules`).
    """
    contracts = _contracts(found, trees, baseline)
    known = {cid for cid, _ in contracts}
    unknown = sorted({e.contract for e in baseline.imports} - known)
    if unknown:
        raise ContractsError(
            f"boundaries-baseline.toml names unknown contracts {unknown}; known: {sorted(known)}"
        )
    lines = [HEADER, "[importlinter]", "root_packages =", *_indent(root_packages)]
    lines += ["include_external_packages = False", ""]
    for _, body in contracts:
        lines += [*body, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _contracts(
    found: Mapping[str, ModuleManifest],
    trees: Mapping[str, Sequence[str]],
    baseline: Baseline,
) -> list[tuple[str, list[str]]]:
    names = list(found)
    packages = [found[n].package for n in names]
    out: list[tuple[str, list[str]]] = []

    def add(cid: str, fields: list[str]) -> None:
        ignores = [e for e in baseline.imports if e.contract == cid]
        body = [f"[importlinter:contract:{cid}]", *fields]
        if ignores:
            body += ["ignore_imports =", *_ignores(ignores)]
        out.append((cid, body))

    add(
        "kernel-imports-no-module",
        [
            "name = The kernel imports no module and nothing of the composition root "
            "(settings, urls, the Celery app, wsgi)",
            "type = forbidden",
            "source_modules =",
            "    app.kernel",
            "forbidden_modules =",
            f"    {MODULES_PACKAGE}",
            *_indent(COMPOSITION_ROOT),
            "broken_contract_guidance =",
            "    The kernel is the building blocks every module uses; it knows no domain. Find",
            "    modules by name from settings.SEAMS_MODULES with importlib, and take settings",
            "    from django.conf.settings, never from app.settings.",
        ],
    )
    add(
        "modules-import-no-composition-root",
        [
            "name = Modules never import the composition root "
            "(app, settings, urls, the Celery app, wsgi)",
            "type = forbidden",
            "source_modules =",
            f"    {MODULES_PACKAGE}",
            "forbidden_modules =",
            *_indent(COMPOSITION_ROOT),
            "broken_contract_guidance =",
            "    Read settings from django.conf.settings, declare tasks with",
            "    app.kernel.ownership.module_task (or celery.shared_task), reverse URLs by name.",
        ],
    )
    for name in names:
        manifest = found[name]
        private = [s for s in trees.get(name, ()) if s not in manifest.public]
        if not private:
            continue
        public = " and ".join(f"{manifest.package}.{p}" for p in manifest.public)
        add(
            f"{name}-imported-only-through-api-and-events",
            [
                f"name = Other modules import {name} only through {public}",
                "type = forbidden",
                "source_modules =",
                f"    {MODULES_PACKAGE}.*",
                "forbidden_modules =",
                *_indent(f"{manifest.package}.{s}" for s in private),
                "allow_indirect_imports = True",
                "broken_contract_guidance =",
                f"    Call a function of {manifest.package}.api (ask {name} to add one) or",
                f"    subscribe to an event of {manifest.package}.events; never reach into",
                f"    the models, services or selectors of {name}.",
            ],
        )
    for name in names:
        manifest = found[name]
        undeclared = [found[o].package for o in names if o != name and o not in manifest.depends_on]
        if not undeclared:
            continue
        declared = ", ".join(manifest.depends_on) or "no module"
        add(
            f"{name}-uses-only-declared-modules",
            [
                f"name = {name} imports only the modules its manifest declares in depends_on "
                f"({declared})",
                "type = forbidden",
                "source_modules =",
                f"    {manifest.package}",
                "forbidden_modules =",
                *_indent(undeclared),
                "allow_indirect_imports = True",
                "broken_contract_guidance =",
                f"    Add the module to depends_on in {manifest.package.replace('.', '/')}"
                "/manifest.py",
                "    (the graph must stay acyclic) and regenerate importlinter.ini with",
                "    `python manage.py modules contracts --write`, or drop the import.",
            ],
        )
    add(
        "modules-acyclic",
        [
            "name = No import cycle between modules, through api and events included",
            "type = acyclic_siblings",
            "ancestors =",
            f"    {MODULES_PACKAGE}",
            "depth = 0",
            "broken_contract_guidance =",
            "    The lower module must not call the higher one: let it publish an event that",
            "    the higher module consumes, or move the shared piece down.",
        ],
    )
    add(
        "module-internal-layers",
        [
            "name = Inside every module http, admin and demo sit above api, handlers and "
            "tasks, above services, above selectors, above models and events",
            "type = layers",
            "layers =",
            *_indent(MODULE_LAYERS),
            "containers =",
            *_indent(packages),
            "broken_contract_guidance =",
            "    Views parse input and call a service or selector; api functions and handlers",
            "    call services and selectors; services may read through selectors; models and",
            "    events import nothing of their module. Move the code down, or the import up.",
        ],
    )
    return out


def _indent(items: Iterable[str]) -> list[str]:
    return [f"    {item}" for item in items]


def _ignores(entries: Sequence[ImportEntry]) -> list[str]:
    lines = []
    for entry in entries:
        lines.append(f"    # baseline: {entry.reason}")
        lines.append(f"    {entry.expression}")
    return lines
