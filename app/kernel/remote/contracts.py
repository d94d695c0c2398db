"""Module api contracts: each module's api as JSON schema, committed under
``contracts/api/<module>.json``, and the check CI runs against them.

A contract lists every ``@module_api`` function with its request (the keyword arguments),
its response and whether it is idempotent, and the typed errors the ``api.py`` defines
(any function may raise them). Caller
and callee deploy at different times, so the check fails when
- a function was removed (callers still call it);
- a request changed incompatibly: an argument removed or renamed, retyped, a new required
  argument, an optional argument made required (old callers' requests stop validating);
- a response changed incompatibly: a field removed or renamed, retyped, a required field
  made optional (old callers stop reading it);
- anything else changed (a new function, a new optional argument, a new response field,
  docs) and the file was not regenerated: ``python manage.py modules api-contracts --write``.
Change incompatibly in three deploys instead: add the new shape beside the old, move the
callers, remove the old.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings

from app.kernel.events.contracts import dumps, incompatibilities
from app.kernel.modules import submodule
from app.kernel.remote.binding import functions

REGENERATE = "python manage.py modules api-contracts --write"


def contracts_dir() -> Path:
    return Path(settings.BASE_DIR) / "contracts" / "api"


def api_modules() -> list[str]:
    """The hosted modules that have an ``api.py`` (imported, so their functions register)."""
    names = []
    for package in settings.SEAMS_MODULES:
        if submodule(package, "api") is not None:
            names.append(package.rsplit(".", 1)[1])
    return sorted(names)


def contract_of(module: str) -> dict[str, Any]:
    described, errors = {}, set()
    for function in functions(module):
        codec = function.codec
        errors |= set(codec.errors)
        described[function.name] = {
            "idempotent": function.idempotent,
            "request": codec.args.model_json_schema(),
            "response": codec.result.json_schema(mode="serialization"),
        }
    return {
        "$id": f"{module}.api",
        "x-module": module,
        "errors": sorted(errors),
        "functions": described,
    }


def write(modules: Iterable[str], directory: Path) -> list[Path]:
    """(Re)generate each module's contract; returns the files changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for module in modules:
        path = directory / f"{module}.json"
        text = dumps(contract_of(module))
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in ``new`` breaks callers or callees built against ``old`` (empty: compatible)."""
    problems = []
    for name, before in old["functions"].items():
        after = new["functions"].get(name)
        if after is None:
            problems.append(f"{name}: function removed")
            continue
        problems += [
            f"{name} request {p}" for p in incompatibilities(before["request"], after["request"])
        ]
        problems += [
            f"{name} response {p}"
            for p in incompatibilities(before["response"], after["response"], produced=True)
        ]
    return problems


def check(modules: Iterable[str], directory: Path) -> list[str]:
    """Problems with the committed contracts of ``modules`` (empty list: all good)."""
    problems = []
    for module in modules:
        path = directory / f"{module}.json"
        current = contract_of(module)
        if not path.exists():
            problems.append(
                f"{module}: no committed api contract {path.name}; run `{REGENERATE}` and commit it"
            )
            continue
        committed = json.loads(path.read_text())
        if committed == current:
            continue
        if broken := breaking_changes(committed, current):
            problems.append(
                f"{module} api changed incompatibly ({'; '.join(broken)}): keep the old shape "
                f"beside the new one until every caller moved (add, switch callers, remove), "
                f"then run `{REGENERATE}`"
            )
        else:
            problems.append(
                f"{module} api changed compatibly; run `{REGENERATE}` and commit {path.name}"
            )
    return problems
