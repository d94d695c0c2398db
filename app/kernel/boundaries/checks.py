"""Django system checks for module boundaries: ``seams.E001`` … ``seams.E010``.

Run by ``manage.py check`` (and so by CI). Every error names the rule, the place and the fix;
its hint also gives the baseline key that would tolerate it (see :mod:`.baseline`).

==========  ===================================================================================
id          rule
==========  ===================================================================================
seams.E001  No relation (FK, one-to-one, many-to-many, string references, proxies and
            multi-table inheritance included) from a module's model to another module's model.
            The user model and ``auth``/``token_blacklist`` models belong to ``accounts``.
seams.E002  A module's model relates only to its own models and ``contenttypes.ContentType``,
            not to infrastructure tables (sessions, admin log, the kernel's tables).
seams.E003  No ``apps.get_model(...)``/``get_user_model()`` of another module's model in a
            module's source (migrations included).
seams.E004  No Django model-signal receiver in a module connected to another module's model
            (or to every sender).
seams.E005  Every model belongs to exactly one module: a model in ``modules/<name>/`` has app
            label ``<name>``, and a module's app label holds only models from its package.
seams.E006  A manifest's ``consumes`` equals the events in its ``handlers.SUBSCRIPTIONS``.
seams.E007  A module consumes only its own events and those of modules in ``depends_on``.
seams.E008  A manifest is consistent: name = package = app label, known acyclic
            ``depends_on``, ``owns_apps`` installed and owned once.
seams.E009  Every public function in a module's ``api.py`` is decorated with ``@module_api``.
seams.E010  Every entry in the boundaries baseline still matches a violation (the ratchet).
==========  ===================================================================================
"""

from __future__ import annotations

import ast
import importlib
import inspect
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core import checks
from django.db import models
from django.db.models import signals as model_signals
from django.dispatch import Signal

from app.kernel.boundaries import baseline as baseline_file
from app.kernel.events.base import publisher_of
from app.kernel.modules import (
    MODULES_PACKAGE,
    ModuleManifest,
    manifests,
    module_of,
    owner_of_app_label,
    submodule,
)
from app.kernel.ownership import is_module_api

Owner = Callable[[str], str | None]

MODEL_SIGNALS = (
    model_signals.pre_init,
    model_signals.post_init,
    model_signals.pre_save,
    model_signals.post_save,
    model_signals.pre_delete,
    model_signals.post_delete,
    model_signals.m2m_changed,
)
SHARED_MODEL_LABELS = frozenset({"contenttypes.ContentType"})


@dataclass(frozen=True)
class Finding:
    id: str
    key: str
    msg: str
    hint: str
    obj: Any = None

    def as_error(self) -> checks.Error:
        hint = (
            f"{self.hint} To tolerate it while you fix it, add to boundaries-baseline.toml: "
            f'[[checks]] id = "{self.id}", key = "{self.key}", reason = "...".'
        )
        return checks.Error(self.msg, hint=hint, obj=self.obj, id=self.id)


# --- seams.E001 / E002: relations -------------------------------------------------------


def check_relations(
    model_list: Iterable[type[models.Model]], owner: Owner = owner_of_app_label
) -> list[Finding]:
    findings = []
    for model in model_list:
        module = owner(model._meta.app_label)
        if module is None:
            continue
        label = model._meta.label
        if model._meta.proxy and model._meta.concrete_model is not None:
            target = model._meta.concrete_model
            target_owner = owner(target._meta.app_label)
            if target_owner not in (module, None):
                findings.append(
                    _cross_relation(label, "proxy", module, target._meta.label, target_owner, model)
                )
            continue
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]:
            if not field.is_relation or field.remote_field is None:
                continue
            target_label = _target_label(field.remote_field.model, model)
            target_app = target_label.split(".", 1)[0]
            target_owner = owner(target_app)
            where = f"{label}.{field.name}"
            if target_owner == module:
                continue
            if target_owner is not None:
                findings.append(
                    _cross_relation(label, field.name, module, target_label, target_owner, model)
                )
            elif target_label.lower() not in {s.lower() for s in SHARED_MODEL_LABELS}:
                findings.append(
                    Finding(
                        id="seams.E002",
                        key=f"{where} -> {target_label}",
                        msg=(
                            f"{where} of module '{module}' is a relation to the infrastructure "
                            f"model {target_label} (rule: a module's models relate only to its "
                            f"own models and contenttypes.ContentType)."
                        ),
                        hint=(
                            f"Store the plain id ({field.name}_id = models.BigIntegerField()) "
                            f"or keep what you need in a model of module '{module}'."
                        ),
                        obj=model,
                    )
                )
    return findings


def _cross_relation(
    label: str, field_name: str, module: str, target_label: str, target_owner: str, model: Any
) -> Finding:
    where = f"{label}.{field_name}"
    kind = "is a proxy of" if field_name == "proxy" else "is a relation to"
    return Finding(
        id="seams.E001",
        key=f"{where} -> {target_label}",
        msg=(
            f"{where} of module '{module}' {kind} {target_label}, a model of module "
            f"'{target_owner}' (rule: no foreign key, one-to-one or many-to-many crosses a "
            f"module boundary)."
        ),
        hint=(
            f"Replace it by a plain id field (e.g. {field_name}_id = models.BigIntegerField"
            f"(db_index=True)) and read what you need through modules.{target_owner}.api or "
            f"keep a local copy fed by {target_owner}'s events."
        ),
        obj=model,
    )


def _target_label(target: Any, model: type[models.Model]) -> str:
    if isinstance(target, str):
        if target == "self":
            return model._meta.label
        return target if "." in target else f"{model._meta.app_label}.{target}"
    return target._meta.label


# --- seams.E003: apps.get_model / get_user_model ----------------------------------------


def check_get_model(
    sources: Mapping[str, Path], owner: Owner = owner_of_app_label, user_owner: str = "accounts"
) -> list[Finding]:
    """Scan every ``.py`` file under each module's directory (``{module: dir}``)."""
    findings = []
    for module, root in sources.items():
        for path in sorted(Path(root).rglob("*.py")):
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except SyntaxError:
                continue
            dotted = _dotted(module, root, path)
            for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
                target = _get_model_target(call, user_owner)
                if target is None:
                    continue
                target_label, how = target
                target_owner = owner(target_label.split(".", 1)[0])
                if target_owner is None or target_owner == module:
                    continue
                findings.append(
                    Finding(
                        id="seams.E003",
                        key=f"{dotted} -> {target_label}",
                        msg=(
                            f"{path}:{call.lineno}: {how} reaches {target_label}, a model of "
                            f"module '{target_owner}', from module '{module}' (rule: no "
                            f"apps.get_model of another module's model)."
                        ),
                        hint=(
                            f"Call a function of modules.{target_owner}.api (add one if "
                            f"needed) or keep a local copy fed by {target_owner}'s events."
                        ),
                    )
                )
    return findings


def _dotted(module: str, root: Path, path: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return ".".join(["modules", module, *parts])


def _get_model_target(call: ast.Call, user_owner: str) -> tuple[str, str] | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name == "get_user_model":
        return f"{user_owner}.User", "get_user_model()"
    if name != "get_model":
        return None
    strings = [
        a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]
    if len(strings) >= 2:
        return f"{strings[0]}.{strings[1]}", f"get_model({strings[0]!r}, {strings[1]!r})"
    if len(strings) == 1 and "." in strings[0]:
        return strings[0], f"get_model({strings[0]!r})"
    return None


# --- seams.E004: signal receivers --------------------------------------------------------


def check_signals(
    signal_list: Iterable[Signal],
    model_list: Iterable[type[models.Model]],
    owner: Owner = owner_of_app_label,
) -> list[Finding]:
    by_id = {id(model): model for model in model_list}
    any_sender = id(None)
    findings = []
    for signal in signal_list:
        signal_name = _signal_name(signal)
        for entry in list(signal.receivers):
            lookup_key, receiver = entry[0], entry[1]
            if isinstance(receiver, weakref.ReferenceType):
                receiver = receiver()
            if receiver is None:
                continue
            qualname = _qualname(receiver)
            module = module_of(getattr(receiver, "__module__", "") or "")
            if module is None:
                continue
            sender_key = lookup_key[1]
            if sender_key == any_sender:
                findings.append(
                    Finding(
                        id="seams.E004",
                        key=f"{qualname} -> {signal_name}:*",
                        msg=(
                            f"{qualname} of module '{module}' receives {signal_name} of every "
                            f"model, other modules' included (rule: no signal receiver on "
                            f"another module's model)."
                        ),
                        hint="Connect it with sender=<one of your own models>.",
                    )
                )
                continue
            sender = by_id.get(sender_key)
            if sender is None:
                continue
            sender_owner = owner(sender._meta.app_label)
            if sender_owner is None or sender_owner == module:
                continue
            findings.append(
                Finding(
                    id="seams.E004",
                    key=f"{qualname} -> {signal_name}:{sender._meta.label}",
                    msg=(
                        f"{qualname} of module '{module}' receives {signal_name} of "
                        f"{sender._meta.label}, a model of module '{sender_owner}' (rule: no "
                        f"signal receiver on another module's model)."
                    ),
                    hint=(
                        f"Subscribe to an event of modules.{sender_owner}.events in "
                        f"{module}'s handlers.SUBSCRIPTIONS (ask '{sender_owner}' to publish "
                        f"one if none fits)."
                    ),
                )
            )
    return findings


def _qualname(receiver: Any) -> str:
    name = getattr(receiver, "__qualname__", None) or type(receiver).__qualname__
    return f"{getattr(receiver, '__module__', '')}.{name}"


def _signal_name(signal: Signal) -> str:
    for name, value in vars(model_signals).items():
        if value is signal:
            return name
    return getattr(signal, "name", None) or "signal"


# --- seams.E005: every model belongs to exactly one module -------------------------------


def check_model_ownership(
    model_list: Iterable[type[models.Model]], module_names: Iterable[str]
) -> list[Finding]:
    names = set(module_names)
    findings = []
    for model in model_list:
        defined_in = module_of(model.__module__)
        app_label = model._meta.app_label
        label = model._meta.label
        if defined_in is not None and defined_in != app_label:
            findings.append(
                Finding(
                    id="seams.E005",
                    key=f"{label} defined in {model.__module__}",
                    msg=(
                        f"{label} is defined in {model.__module__} (module '{defined_in}') but "
                        f"registered under app label '{app_label}' (rule: every model belongs "
                        f"to exactly one module)."
                    ),
                    hint=(
                        f"Remove Meta.app_label = '{app_label}' so it belongs to '{defined_in}', "
                        f"or move the model into modules/{app_label}/models.py."
                    ),
                    obj=model,
                )
            )
        elif app_label in names and defined_in != app_label:
            findings.append(
                Finding(
                    id="seams.E005",
                    key=f"{label} defined in {model.__module__}",
                    msg=(
                        f"{label} claims app label '{app_label}' of module '{app_label}' but is "
                        f"defined in {model.__module__}, outside modules/{app_label}/ (rule: "
                        f"every model belongs to exactly one module)."
                    ),
                    hint=f"Move the model into modules/{app_label}/models.py.",
                    obj=model,
                )
            )
    return findings


# --- seams.E006 / E007: consumed events ---------------------------------------------------


def check_subscriptions(
    found: Mapping[str, ModuleManifest], subscribed: Mapping[str, Iterable[str]]
) -> list[Finding]:
    """``subscribed``: module → names of the events in its ``handlers.SUBSCRIPTIONS``."""
    findings = []
    for name, manifest in found.items():
        declared = set(manifest.consumes)
        actual = set(subscribed.get(name, ()))
        if declared != actual:
            missing = sorted(actual - declared)
            extra = sorted(declared - actual)
            parts = []
            if missing:
                parts.append(f"subscribed but not declared: {', '.join(missing)}")
            if extra:
                parts.append(f"declared but not subscribed: {', '.join(extra)}")
            findings.append(
                Finding(
                    id="seams.E006",
                    key=f"{name} consumes",
                    msg=(
                        f"modules/{name}/manifest.py consumes does not match "
                        f"modules/{name}/handlers.py SUBSCRIPTIONS ({'; '.join(parts)}) (rule: "
                        f"the manifest declares exactly the events a module consumes)."
                    ),
                    hint=(
                        f"Set consumes={tuple(sorted(actual))!r} in modules/{name}/manifest.py "
                        f"(or change the subscription table)."
                    ),
                )
            )
        for event_name in sorted(declared | actual):
            publisher = publisher_of(event_name)
            if publisher == name or publisher in manifest.depends_on:
                continue
            findings.append(
                Finding(
                    id="seams.E007",
                    key=f"{name} consumes {event_name}",
                    msg=(
                        f"module '{name}' consumes {event_name} of module '{publisher}', which "
                        f"is not in its depends_on (rule: a module consumes only events of "
                        f"modules it declares as dependencies)."
                    ),
                    hint=(
                        f"Add '{publisher}' to depends_on in modules/{name}/manifest.py (keeping "
                        f"the module graph acyclic), or drop the subscription."
                    ),
                )
            )
    return findings


# --- seams.E008: manifests ------------------------------------------------------------------


def check_manifests(
    found: Mapping[str, ModuleManifest],
    packages: Mapping[str, str],
    app_labels: Mapping[str, str],
    known_modules: Iterable[str],
    installed_labels: Iterable[str],
) -> list[Finding]:
    """``packages``: manifest name → package it was loaded from; ``app_labels``: name → label."""
    known = set(known_modules) | set(found)
    installed = set(installed_labels)
    findings = []

    def add(key: str, msg: str, hint: str) -> None:
        findings.append(Finding(id="seams.E008", key=key, msg=msg, hint=hint))

    owned_by: dict[str, str] = {}
    for name, manifest in found.items():
        package = packages.get(name, manifest.package)
        where = f"{package.replace('.', '/')}/manifest.py"
        if package != manifest.package:
            add(
                f"{name} package",
                f"{where} declares name '{name}' but lives in {package} "
                "(rule: a module's name is its package name).",
                f"Set name='{package.rsplit('.', 1)[-1]}' in {where}.",
            )
        label = app_labels.get(name)
        if label is not None and label != name:
            add(
                f"{name} label",
                f"The app label of module '{name}' is '{label}' (rule: a "
                "module's app label is its name).",
                f"Set label = '{name}' in its apps.py.",
            )
        for dependency in manifest.depends_on:
            if dependency not in known:
                add(
                    f"{name} depends_on {dependency}",
                    f"{where} depends on '{dependency}', "
                    "which is not a module (rule: depends_on names existing modules).",
                    f"Remove '{dependency}' from depends_on or create modules/{dependency}/.",
                )
        for app_label in manifest.owns_apps:
            if app_label in found:
                add(
                    f"{name} owns_apps {app_label}",
                    f"{where} owns_apps lists the module "
                    f"'{app_label}' (rule: owns_apps names non-module Django apps).",
                    f"Remove '{app_label}' from owns_apps.",
                )
            elif app_label not in installed:
                add(
                    f"{name} owns_apps {app_label}",
                    f"{where} owns_apps lists '{app_label}', which is not an installed app label.",
                    f"Remove '{app_label}' from owns_apps or install the app.",
                )
            elif app_label in owned_by:
                add(
                    f"{name} owns_apps {app_label}",
                    f"App '{app_label}' is owned by both "
                    f"'{owned_by[app_label]}' and '{name}' (rule: every table has one owner).",
                    f"Keep '{app_label}' in one manifest's owns_apps.",
                )
            owned_by.setdefault(app_label, name)
    cycle = find_cycle({n: m.depends_on for n, m in found.items()})
    if cycle:
        path = " -> ".join(cycle)
        add(
            f"cycle {path}",
            f"The modules' depends_on form a cycle: {path} (rule: the module "
            "graph is acyclic, so each module can be extracted with its dependencies only).",
            "Break the cycle: let the lower module publish an event the higher one consumes, "
            "instead of calling it.",
        )
    return findings


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle (``[a, b, a]``) in a dependency graph, or ``None``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt in graph and state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


# --- seams.E009: api functions run as their module ---------------------------------------


def check_api_functions(api_modules: Mapping[str, ModuleType]) -> list[Finding]:
    findings = []
    for name, api in api_modules.items():
        for attr, value in sorted(vars(api).items()):
            if attr.startswith("_") or not inspect.isfunction(value):
                continue
            if getattr(value, "__module__", None) != api.__name__ or is_module_api(value):
                continue
            findings.append(
                Finding(
                    id="seams.E009",
                    key=f"{api.__name__}.{attr}",
                    msg=(
                        f"{api.__name__}.{attr} is public but not decorated with @module_api "
                        f"(rule: every public api function runs as its module, so the "
                        f"data-ownership guard attributes its queries to '{name}')."
                    ),
                    hint=(
                        "Decorate it with @module_api (from app.kernel.ownership import "
                        "module_api), or rename it with a leading underscore if it is private."
                    ),
                )
            )
    return findings


# --- seams.E010 and the real tree --------------------------------------------------------


def stale_baseline(baseline: baseline_file.Baseline, findings: Iterable[Finding]) -> list[Finding]:
    present = {(f.id, f.key) for f in findings}
    return [
        Finding(
            id="seams.E010",
            key=f"{entry.id} {entry.key}",
            msg=(
                f"boundaries-baseline.toml tolerates {entry.id} {entry.key!r}, which no longer "
                f"occurs (rule: the baseline only shrinks; a fixed violation leaves it)."
            ),
            hint="Delete this [[checks]] entry from boundaries-baseline.toml.",
        )
        for entry in baseline.checks
        if (entry.id, entry.key) not in present
    ]


def apply_baseline(findings: list[Finding], baseline: baseline_file.Baseline) -> list[Finding]:
    kept = [f for f in findings if not baseline.tolerates(f.id, f.key)]
    return kept + stale_baseline(baseline, findings)


def collect() -> list[Finding]:
    """Every rule's findings on the running project (before the baseline is applied)."""
    found = manifests()
    module_models = list(apps.get_models())
    packages = {name: m.package for name, m in found.items()}
    sources = {}
    subscribed: dict[str, list[str]] = {}
    api_modules: dict[str, ModuleType] = {}
    app_labels = {}
    for name, manifest in found.items():
        package = importlib.import_module(manifest.package)
        sources[name] = Path(package.__file__).parent
        subscribed[name] = [
            s.event.name for s in _optional(manifest.package, "handlers", "SUBSCRIPTIONS")
        ]
        api = submodule(manifest.package, "api")
        if api is not None:
            api_modules[name] = api
        config = next((c for c in apps.get_app_configs() if c.name == manifest.package), None)
        if config is not None:
            app_labels[name] = config.label
    known = {
        child.name
        for child in Path(importlib.import_module(MODULES_PACKAGE).__path__[0]).iterdir()
        if (child / "manifest.py").exists()
    }
    installed = {c.label for c in apps.get_app_configs()}
    return [
        *check_manifests(found, packages, app_labels, known, installed),
        *check_relations(module_models),
        *check_model_ownership(module_models, found),
        *check_get_model(sources),
        *check_signals(MODEL_SIGNALS, apps.get_models(include_auto_created=True)),
        *check_subscriptions(found, subscribed),
        *check_api_functions(api_modules),
    ]


def _optional(package: str, name: str, attr: str) -> Any:
    found = submodule(package, name)
    return getattr(found, attr, ()) if found is not None else ()


def boundaries(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The registered system check: all rules, minus the baseline, plus stale entries."""
    try:
        baseline = baseline_file.load()
    except baseline_file.BaselineError as exc:
        return [checks.Error(str(exc), hint="Fix the baseline file.", id="seams.E010")]
    return [finding.as_error() for finding in apply_baseline(collect(), baseline)]


def register() -> None:
    checks.register(boundaries, "seams")
