"""Rules a topology must keep that need the modules' manifests: ``manage.py topology
check`` and the ``seams.E011`` system check.

Errors (the topology cannot run):
- every module of the project is hosted by exactly one service, and the topology names no
  module the project lacks;
- the module owning Django's ``auth`` app lives on the ``default`` database (permissions
  and the admin log relate to content types, which live there);
- no cycle of synchronous calls between services (a service calls another when one of its
  modules ``depends_on`` a module there that offers api functions): a cycle would make two
  services wait on each other and deploy only together;
- a ``sync`` subscription runs in its publisher's transaction, so it needs the publisher's
  database.

Warnings (the topology runs, with a caveat):
- a service that others call or send events to has no ``url``: it can be reached only by
  a process playing every service (the split test mode);
- an ``after_commit`` subscription across databases is delivered asynchronously.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import checks

from app.kernel.boundaries.checks import find_cycle
from app.kernel.events.base import publisher_of
from app.kernel.events.bus import BoundSubscription, Delivery, bus
from app.kernel.modules import ModuleManifest, manifests, owner_of_app_label, submodule
from app.kernel.ownership import is_module_api
from app.kernel.topology.files import load, shipped
from app.kernel.topology.schema import DEFAULT_DATABASE, Topology, TopologyError


@dataclass(frozen=True)
class Problem:
    level: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def service_calls(
    topology: Topology, manifests: Mapping[str, ModuleManifest], offers_api: frozenset[str]
) -> dict[str, set[str]]:
    """Service → the other services its modules call synchronously."""
    calls: dict[str, set[str]] = {name: set() for name in topology.services}
    for name, manifest in manifests.items():
        if name not in topology.hosts:
            continue
        caller = topology.service_of(name).name
        for dependency in manifest.depends_on:
            if dependency in offers_api and dependency in topology.hosts:
                callee = topology.service_of(dependency).name
                if callee != caller:
                    calls[caller].add(callee)
    return calls


def validate(
    topology: Topology,
    manifests: Mapping[str, ModuleManifest],
    *,
    offers_api: frozenset[str],
    subscriptions: Sequence[BoundSubscription],
) -> list[Problem]:
    """Every problem of ``topology`` for a project with these modules, api-offering modules
    and subscriptions (errors first)."""
    problems: list[Problem] = []

    def error(message: str) -> None:
        problems.append(Problem("error", message))

    def warning(message: str) -> None:
        problems.append(Problem("warning", message))

    hosted = set(topology.modules)
    for module in sorted(set(manifests) - hosted):
        error(f"module {module!r} is hosted by no service: add it to one service's modules")
    for module in sorted(hosted - set(manifests)):
        error(f"service {topology.service_of(module).name!r} hosts {module!r}, no such module")

    identity = owner_of_app_label("auth")
    if identity in hosted and topology.database_of(identity) != DEFAULT_DATABASE:
        error(
            f"module {identity!r} owns Django's auth tables and must live on the "
            f"'default' database (it is on {topology.database_of(identity)!r})"
        )

    calls = service_calls(topology, manifests, offers_api)
    cycle = find_cycle({name: sorted(callees) for name, callees in calls.items()})
    if cycle:
        error(
            "services call each other in a cycle: "
            + " → ".join(cycle)
            + " (regroup the modules, or let one side react to events instead of calling)"
        )

    reached = {callee for callees in calls.values() for callee in callees}
    for bound in subscriptions:
        publisher = publisher_of(bound.subscription.event.name)
        if bound.module not in hosted or publisher not in hosted:
            continue
        if topology.database_of(bound.module) == topology.database_of(publisher):
            continue
        reached.add(topology.service_of(bound.module).name)
        where = f"{bound.handler_id} ({bound.delivery.value}) on {bound.subscription.event.name}"
        if bound.delivery is Delivery.SYNC:
            error(
                f"{where}: a sync handler runs in the publisher's transaction and needs "
                f"its database; make it async or host {bound.module!r} with {publisher!r}"
            )
        elif bound.delivery is Delivery.AFTER_COMMIT:
            warning(f"{where}: across databases it is delivered asynchronously")
    for name in sorted(reached):
        if topology.services[name].base_url is None and not topology.in_process:
            warning(
                f"service {name!r} is called or sent events by other services but has no "
                f"url: only a process playing every service can reach it"
            )
    problems.sort(key=lambda p: p.level != "error")
    return problems


def modules_offering_api(manifests: Mapping[str, ModuleManifest]) -> frozenset[str]:
    """Modules whose ``api.py`` has at least one ``@module_api`` function."""
    offering = set()
    for name, manifest in manifests.items():
        api = submodule(manifest.package, "api")
        if api is not None and any(is_module_api(obj) for obj in vars(api).values()):
            offering.add(name)
    return frozenset(offering)


def validate_project(topology: Topology) -> list[Problem]:
    """:func:`validate` against this project's modules (call once apps are ready)."""
    found = manifests()
    return validate(
        topology,
        found,
        offers_api=modules_offering_api(found),
        subscriptions=bus.all_subscriptions(),
    )


def system_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``seams.E011``/``seams.W011``: every shipped topology, and the one this process runs
    (``SEAMS_TOPOLOGY``, which may be a file outside ``topologies/``), is valid."""
    names = dict.fromkeys([*shipped(), settings.SEAMS_TOPOLOGY])
    messages: list[checks.CheckMessage] = []
    for name in names:
        try:
            problems = validate_project(load(name))
        except TopologyError as exc:
            messages.append(checks.Error(str(exc), id="seams.E011"))
            continue
        for problem in problems:
            text = f"topology {name!r}: {problem.message}"
            hint = "See docs/topology.md; `python manage.py topology check` lists every rule."
            if problem.level == "error":
                messages.append(checks.Error(text, hint=hint, id="seams.E011"))
            elif name == settings.SEAMS_TOPOLOGY and settings.SEAMS_SERVICE:
                # the caveat matters to a process that is one service calling others
                messages.append(checks.Warning(text, hint=hint, id="seams.W011"))
    return messages
