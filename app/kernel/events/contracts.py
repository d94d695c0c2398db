"""Event contracts: the JSON schema of every event version, committed under
``contracts/events/<name>.v<version>.json``, and the check CI runs against them.

The check fails when
- an event's current version has no committed schema (run ``manage.py events contracts
  --write``);
- an event changed incompatibly without a version bump: a field removed or renamed, a field's
  type changed, a new required field, an optional field made required;
- an event changed compatibly (a new optional field, new docs) and the schema was not
  regenerated;
- an older committed version has no upcaster to the next one (old payloads must stay readable).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings

from app.kernel.events.base import Event, has_upcaster
from app.kernel.modules import submodule

_NOISE = {"title", "description", "default", "examples"}


def contracts_dir() -> Path:
    return Path(settings.BASE_DIR) / "contracts" / "events"


def event_classes() -> list[type[Event]]:
    """Every event class defined in the hosted modules' ``events.py``, by name."""
    found = []
    for package in settings.SEAMS_MODULES:
        events = submodule(package, "events")
        if events is None:
            continue
        for _, obj in inspect.getmembers(events, inspect.isclass):
            if (
                issubclass(obj, Event)
                and obj.__module__ == events.__name__
                and "name" in obj.__dict__
            ):
                found.append(obj)
    return sorted(found, key=lambda cls: cls.name)


def schema_of(cls: type[Event]) -> dict[str, Any]:
    schema = cls.model_json_schema()
    return {
        "$id": f"{cls.name}.v{cls.version}",
        "x-event-name": cls.name,
        "x-event-version": cls.version,
        "x-key-field": cls.key_field,
        **schema,
    }


def filename(name: str, version: int) -> str:
    return f"{name}.v{version}.json"


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write(classes: Iterable[type[Event]], directory: Path) -> list[Path]:
    """(Re)generate the schema file of each class's current version; returns files changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for cls in classes:
        path = directory / filename(cls.name, cls.version)
        text = dumps(schema_of(cls))
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def _normalise(node: Any, root: dict[str, Any]) -> Any:
    """Resolve ``$ref``s and drop documentation-only keys (and ``$defs``, once resolved)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _normalise(target, root)
        return {k: _normalise(v, root) for k, v in node.items() if k not in _NOISE and k != "$defs"}
    if isinstance(node, list):
        return [_normalise(v, root) for v in node]
    return node


def _compare(old: Any, new: Any, path: str, produced: bool = False) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict) and "properties" in old:
        if "properties" not in new:
            return [f"{path or '<event>'}: type changed"]
        problems = []
        old_props, new_props = old["properties"], new["properties"]
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for field in old_props:
            if field not in new_props:
                problems.append(f"{path}{field}: removed or renamed")
            else:
                problems += _compare(
                    old_props[field], new_props[field], f"{path}{field}.", produced
                )
        if produced:  # old readers need every field they required; new ones are ignored
            for field in sorted((old_required - new_required) & set(new_props)):
                problems.append(f"{path}{field}: required field became optional")
            return problems
        for field in sorted(new_required - old_required):
            if field in old_props:
                problems.append(f"{path}{field}: optional field became required")
            else:
                problems.append(f"{path}{field}: new required field")
        return problems
    for key, step in (("items", "[]."), ("additionalProperties", "{}.")):
        if isinstance(old, dict) and isinstance(new, dict) and key in old and key in new:
            rest_old = {k: v for k, v in old.items() if k != key}
            rest_new = {k: v for k, v in new.items() if k != key}
            problems = [] if rest_old == rest_new else [f"{path.rstrip('.')}: type changed"]
            return problems + _compare(old[key], new[key], f"{path}{step}", produced)
    if (
        isinstance(old, dict)
        and isinstance(new, dict)
        and set(old) == set(new) == {"anyOf"}
        and len(old["anyOf"]) == len(new["anyOf"])
    ):
        return [
            problem
            for before, after in zip(old["anyOf"], new["anyOf"], strict=True)
            for problem in _compare(before, after, path, produced)
        ]
    if old != new:
        return [f"{path.rstrip('.') or '<event>'}: type changed"]
    return []


def incompatibilities(
    old_schema: dict[str, Any], new_schema: dict[str, Any], *, produced: bool = False
) -> list[str]:
    """Changes that break reading data written against ``old_schema`` (empty: compatible).

    ``produced``: the schema is of data the new code writes for readers built against the
    old one (a function's response): a new field is then compatible, a required field made
    optional is not.
    """
    return _compare(
        _normalise(old_schema, old_schema), _normalise(new_schema, new_schema), "", produced
    )


def check(classes: Iterable[type[Event]], directory: Path) -> list[str]:
    """Problems with the committed contracts of ``classes`` (empty list: all good)."""
    problems = []
    for cls in classes:
        path = directory / filename(cls.name, cls.version)
        current = schema_of(cls)
        if not path.exists():
            problems.append(
                f"{cls.name} v{cls.version}: no committed schema {path.name}; "
                f"run `manage.py events contracts --write` and commit it"
            )
        else:
            committed = json.loads(path.read_text())
            if committed != current:
                if broken := incompatibilities(committed, current):
                    problems.append(
                        f"{cls.name} v{cls.version} changed incompatibly without a version "
                        f"bump ({'; '.join(broken)}): set version = {cls.version + 1}, register "
                        f"an @upcaster({cls.name!r}, from_version={cls.version}) and write "
                        f"the new schema"
                    )
                else:
                    problems.append(
                        f"{cls.name} v{cls.version}: schema changed compatibly; run "
                        f"`manage.py events contracts --write` and commit {path.name}"
                    )
        for version in range(1, cls.version):
            if (directory / filename(cls.name, version)).exists() and not has_upcaster(
                cls.name, version
            ):
                problems.append(
                    f"{cls.name} v{version} payloads cannot be read: register "
                    f"@upcaster({cls.name!r}, from_version={version})"
                )
    return problems


def orphans(classes: Iterable[type[Event]], directory: Path) -> list[Path]:
    """Committed schemas whose event no longer exists (informational)."""
    names = {cls.name for cls in classes}
    return [
        path
        for path in sorted(directory.glob("*.json"))
        if path.name.rsplit(".v", 1)[0] not in names
    ]
