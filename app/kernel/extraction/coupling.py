"""What ties one module to the rest, computed from the manifests, the subscriptions, the
models, the source and the boundaries baseline (never written by hand).

:func:`coupling` takes each of those as an argument (tests pass made-up ones);
:func:`project_coupling` reads them from the running project.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from app.kernel.boundaries import baseline as baseline_file
from app.kernel.boundaries.describe import canvas
from app.kernel.events.base import publisher_of
from app.kernel.events.bus import BoundSubscription, bus
from app.kernel.extraction.api_uses import ApiUse, uses
from app.kernel.modules import ModuleManifest, manifests, owner_of_app_label, submodule
from app.kernel.remote import binding


@dataclass(frozen=True)
class EventLink:
    """``consumer``'s handler of an event ``publisher`` publishes, and how it is delivered."""

    event: str
    publisher: str
    consumer: str
    handler: str
    delivery: str
    atomic: bool


@dataclass(frozen=True)
class Relation:
    """A relation field (``source``: ``app.Model.field``) to model ``target``, and the
    modules owning each end (``None``: a shared Django app such as contenttypes)."""

    source: str
    target: str
    source_owner: str | None
    target_owner: str | None


@dataclass(frozen=True)
class BaselineEntry:
    """A tolerated boundary violation naming the module (``kind``: checks or imports)."""

    kind: str
    entry: str
    reason: str


@dataclass(frozen=True)
class Coupling:
    module: str
    depends_on: tuple[str, ...]
    api: tuple[str, ...]  # its own api functions
    publishes: tuple[str, ...]  # the events it defines, consumed or not
    calls_in: tuple[ApiUse, ...]  # other modules using its api
    calls_out: tuple[ApiUse, ...]  # it using other modules' api
    events_in: tuple[EventLink, ...]  # its handlers of other modules' events
    events_out: tuple[EventLink, ...]  # other modules' handlers of its events
    tables: tuple[str, ...]
    relations_out: tuple[Relation, ...]  # from its models to models it does not own
    relations_in: tuple[Relation, ...]  # from models it does not own to its models
    baseline: tuple[BaselineEntry, ...]

    @property
    def sync_handlers(self) -> tuple[EventLink, ...]:
        """Handlers across the boundary that run inside the publisher's transaction."""
        return tuple(e for e in (*self.events_in, *self.events_out) if e.delivery == "sync")

    @property
    def unused_dependencies(self) -> tuple[str, ...]:
        """``depends_on`` entries whose api it never uses and whose events it never handles."""
        used = {u.callee for u in self.calls_out} | {e.publisher for e in self.events_in}
        return tuple(d for d in self.depends_on if d not in used)


def _link(bound: BoundSubscription) -> EventLink:
    name = bound.subscription.event.name
    return EventLink(
        event=name,
        publisher=publisher_of(name),
        consumer=bound.module,
        handler=bound.handler_id,
        delivery=str(bound.delivery),
        atomic=bound.subscription.atomic,
    )


def relations(model_list: Iterable[type[models.Model]]) -> list[Relation]:
    """Every forward relation field (many-to-many included) between models of different
    owners (two shared apps relating to each other are not a module's business)."""
    found = []
    for model in model_list:
        if model._meta.proxy:
            continue
        source_owner = owner_of_app_label(model._meta.app_label)
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]:
            target = field.related_model if field.is_relation else None
            if target is None or target == "self" or target is model:
                continue
            target_owner = owner_of_app_label(target._meta.app_label)
            if source_owner != target_owner and (source_owner or target_owner):
                found.append(
                    Relation(
                        f"{model._meta.label}.{field.name}",
                        target._meta.label,
                        source_owner,
                        target_owner,
                    )
                )
    return found


def _names_module(entry: baseline_file.CheckEntry | baseline_file.ImportEntry, module: str) -> bool:
    if isinstance(entry, baseline_file.ImportEntry):
        prefix = f"modules.{module}"
        ends = (entry.importer, entry.imported)
        return any(e == prefix or e.startswith(prefix + ".") for e in ends)
    # a check key reads "<label or dotted path> -> <label>": each end's first part names it
    for end in entry.key.split(" -> "):
        parts = end.strip().split(".")
        owner_part = parts[1] if parts[0] == "modules" and len(parts) > 1 else parts[0]
        if owner_part == module or owner_of_app_label(owner_part) == module:
            return True
    return False


def baseline_entries(baseline: baseline_file.Baseline, module: str) -> list[BaselineEntry]:
    found = [
        BaselineEntry("checks", f"{e.id} {e.key}", e.reason)
        for e in baseline.checks
        if _names_module(e, module)
    ]
    found += [
        BaselineEntry("imports", f"{e.contract}: {e.expression}", e.reason)
        for e in baseline.imports
        if _names_module(e, module)
    ]
    return found


def coupling(
    module: str,
    *,
    manifests: Mapping[str, ModuleManifest],
    api_functions: Mapping[str, Mapping[str, bool]],
    api_uses: Sequence[ApiUse],
    subscriptions: Sequence[BoundSubscription],
    model_list: Sequence[type[models.Model]],
    baseline: baseline_file.Baseline,
    publishes: Sequence[str] = (),
    tables: Sequence[str] = (),
) -> Coupling:
    """``publishes`` and ``tables``: the module's events and tables (``docs/modules.md``'s
    canvas); the rest is read from the other arguments."""
    manifest = manifests[module]
    links = [_link(b) for b in subscriptions]
    related = relations(model_list)
    return Coupling(
        module=module,
        depends_on=manifest.depends_on,
        api=tuple(sorted(api_functions.get(module, {}))),
        publishes=tuple(publishes),
        calls_in=tuple(u for u in api_uses if u.callee == module and u.caller != module),
        calls_out=tuple(u for u in api_uses if u.caller == module and u.callee != module),
        events_in=tuple(e for e in links if e.consumer == module and e.publisher != module),
        events_out=tuple(e for e in links if e.publisher == module and e.consumer != module),
        tables=tuple(tables),
        relations_out=tuple(r for r in related if r.source_owner == module),
        relations_in=tuple(r for r in related if r.target_owner == module),
        baseline=tuple(baseline_entries(baseline, module)),
    )


def project_api_functions() -> dict[str, dict[str, bool]]:
    """Module → its ``@module_api`` function names → declared idempotent."""
    found = {}
    for name, manifest in manifests().items():
        submodule(manifest.package, "api")  # imported, so binding.functions sees it
        found[name] = {f.name: f.idempotent for f in binding.functions(name)}
    return found


def project_coupling(module: str) -> Coupling:
    """:func:`coupling` of ``module`` in the running project."""
    found = manifests()
    functions = project_api_functions()
    described = canvas(found[module])
    sources = {
        name: Path(importlib.import_module(m.package).__path__[0]) for name, m in found.items()
    }
    return coupling(
        module,
        manifests=found,
        api_functions=functions,
        api_uses=uses(sources, functions, Path(settings.BASE_DIR)),
        subscriptions=bus.all_subscriptions(),
        model_list=list(apps.get_models(include_auto_created=True)),
        baseline=baseline_file.load(),
        publishes=[e.name for e in described.publishes],
        tables=described.tables,
    )
