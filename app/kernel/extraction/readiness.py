"""From a module's coupling to a verdict: the topology it would leave into, what blocks that,
what to watch, and the ordered steps (each a command and the command that verifies it).

- **blocked**: the candidate topology fails ``topology check`` (a ``sync`` handler across
  the new boundary, the owner of Django's ``auth`` away from ``default``, a cycle of
  synchronous calls), a relation crosses to or from another module's model, or the
  boundaries baseline still tolerates a violation naming the module;
- **ready with warnings**: other modules call its api (or it theirs) synchronously: those
  calls become HTTP calls that can time out; api functions used across the boundary that are
  not declared idempotent (never retried); relations to shared Django apps that stay on
  ``default``; the candidate topology's warnings;
- **ready**: none of these (its events in and out become forwards, which needs nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from app.kernel.events.bus import BoundSubscription
from app.kernel.extraction.coupling import Coupling
from app.kernel.modules import ModuleManifest
from app.kernel.topology.schema import DEFAULT_DATABASE, Topology
from app.kernel.topology.validation import validate

READY = "ready"
WARNINGS = "ready with warnings"
BLOCKED = "blocked"


@dataclass(frozen=True)
class Step:
    title: str
    run: str
    verify: str


@dataclass(frozen=True)
class Readiness:
    coupling: Coupling
    base: Topology
    candidate: Topology
    already_extracted: bool
    blockers: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    steps: tuple[Step, ...] = field(default=())

    @property
    def verdict(self) -> str:
        if self.blockers:
            return BLOCKED
        return WARNINGS if self.warnings else READY


def _next_url(base: Topology) -> str | None:
    """One port above the highest a service of ``base`` listens on, on the same host."""
    urls = [urlsplit(s.base_url) for s in base.services.values() if s.base_url]
    if not urls:
        return None
    top = max(urls, key=lambda u: u.port or 80)
    return f"{top.scheme}://{top.hostname}:{(top.port or 80) + 1}"


def candidate_topology(base: Topology, module: str, name: str) -> Topology:
    """``base`` with ``module`` moved into a service of its own named after it, on a
    database alias named after it (``base`` itself when it already is alone)."""
    current = base.service_of(module)
    if current.modules == (module,):
        return base
    services = {}
    for service in base.services.values():
        kept = [m for m in service.modules if m != module]
        services[service.name] = {
            "modules": kept,
            "database": service.database,
            **({"url": service.base_url} if service.base_url else {}),
        }
    url = _next_url(base)
    services[module] = {"modules": [module], "database": module, **({"url": url} if url else {})}
    return Topology.model_validate(
        {
            "name": name,
            "description": f"{base.name} with {module} in a service of its own.",
            "services": services,
            "resilience": base.resilience.model_dump(exclude_none=True),
        }
    )


def _calls(uses: Sequence, side: str) -> str:
    by_module: dict[str, set[str]] = {}
    for use in uses:
        by_module.setdefault(getattr(use, side), set()).add(use.qualname)
    return "; ".join(f"{m}: {', '.join(sorted(f))}" for m, f in sorted(by_module.items()))


def assess(
    coupling: Coupling,
    base: Topology,
    name: str,
    *,
    manifests: Mapping[str, ModuleManifest],
    offers_api: frozenset[str],
    subscriptions: Sequence[BoundSubscription],
    main_database: str = "",
) -> Readiness:
    """The verdict on extracting ``coupling.module`` from topology ``base`` into the
    candidate topology ``name``; ``main_database``: the default database's name, to name
    the new one in the steps."""
    module = coupling.module
    candidate = candidate_topology(base, module, name)
    already = candidate is base
    blockers: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []

    problems = validate(candidate, manifests, offers_api=offers_api, subscriptions=subscriptions)
    for problem in problems:
        (blockers if problem.level == "error" else warnings).append(
            f"topology check: {problem.message}"
        )
    for relation in coupling.relations_out + coupling.relations_in:
        if relation.source_owner is not None and relation.target_owner is not None:
            blockers.append(
                f"relation {relation.source} → {relation.target} crosses from "
                f"{relation.source_owner} to {relation.target_owner}: no foreign key can span "
                f"two databases (store the plain id)"
            )
        elif relation.target_owner is None:
            warnings.append(
                f"relation {relation.source} → {relation.target}: a shared Django app, which "
                f"stays on 'default'; across databases the constraint is not enforced"
            )
        else:
            notes.append(
                f"{relation.source} (a shared Django app) relates to {relation.target}: its "
                f"table moves with {module} (the router follows the relation)"
            )
    for entry in coupling.baseline:
        blockers.append(
            f"boundaries-baseline.toml tolerates {entry.kind} {entry.entry} ({entry.reason}): "
            f"fix it first; it assumes {module} shares a process or database with the rest"
        )

    if coupling.calls_in:
        warnings.append(
            f"synchronous calls in become HTTP calls to the new service (a timeout or an "
            f"outage of {module} fails the caller's step): {_calls(coupling.calls_in, 'caller')}"
        )
    if coupling.calls_out:
        warnings.append(
            f"synchronous calls out become HTTP calls from the new service: "
            f"{_calls(coupling.calls_out, 'callee')}"
        )
    for qualname in sorted(
        {u.qualname for u in (*coupling.calls_in, *coupling.calls_out) if not u.idempotent}
    ):
        warnings.append(
            f"{qualname} is called across the boundary but not declared idempotent: a failed "
            f"call is never retried (declare @module_api(idempotent=True) if calling it twice "
            f"has the effect of once)"
        )
    for link in (*coupling.events_in, *coupling.events_out):
        if link.delivery != "sync":
            notes.append(
                f"{link.event} → {link.handler} ({link.delivery}) becomes a forward between "
                f"databases"
            )
    for dependency in coupling.unused_dependencies:
        notes.append(
            f"depends_on {dependency!r} is declared but neither its api nor its events are used: "
            f"drop it from the manifest (topology check counts it as a call)"
        )
    if already:
        notes.append(f"{module} already has a service of its own in topology {base.name!r}")

    readiness = Readiness(
        coupling=coupling,
        base=base,
        candidate=candidate,
        already_extracted=already,
        blockers=tuple(blockers),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )
    return replace(readiness, steps=steps(readiness, main_database))


def steps(readiness: Readiness, main_database: str = "") -> tuple[Step, ...]:
    """The playbook for this module (docs/extraction.md explains each step)."""
    module = readiness.coupling.module
    base, topology = readiness.base.name, readiness.candidate.name
    service = readiness.candidate.service_of(module)
    alias = service.database
    front = next(s for s in readiness.candidate.services.values() if s.database == DEFAULT_DATABASE)
    env = f"SEAMS_TOPOLOGY={topology}"
    new_db = f"{main_database}_{alias}" if main_database else f"<main database>_{alias}"
    port = urlsplit(service.base_url).port if service.base_url else None
    url = service.base_url or "http://<its address>"
    return (
        Step(
            "write the topology file",
            f"python manage.py extraction report {module} --topology {base} --name {topology} "
            f"--format toml > topologies/{topology}.toml",
            f"python manage.py topology check --topology {topology} && "
            f"python manage.py topology show --topology {topology}",
        ),
        Step(
            "create its database (PostgreSQL; SQLite creates the file at migrate)",
            f"createdb {new_db}",
            f"psql -lqt | cut -d'|' -f1 | grep -qw {new_db}",
        ),
        Step(
            "migrate its database",
            f"{env} python manage.py migrate --database {alias}",
            f"{env} python manage.py showmigrations {module} --database {alias}",
        ),
        Step(
            f"stop writes to {module} and drain its deliveries (stop the web processes, keep "
            f"worker and relay until the backlog is empty, then stop them)",
            "python manage.py events queues",
            f"python manage.py events queues   # {module}: no pending or sent rows",
        ),
        Step(
            "move its data (copy, then verify row by row)",
            f"{env} python manage.py extraction move-data {module} --from default --to {alias}",
            f"{env} python manage.py extraction move-data {module} --from default --to {alias} "
            f"--verify",
        ),
        Step(
            f"start its service (web, worker, relay, beat with SEAMS_SERVICE={service.name})",
            f"{env} SEAMS_SERVICE={service.name} PORT={port or '<port>'} docker/entrypoint.sh web",
            f"curl -fsS {url}/readyz/",
        ),
        Step(
            f"restart the rest as service {front.name} of {topology}",
            f"{env} SEAMS_SERVICE={front.name} docker/entrypoint.sh web",
            f"{env} python manage.py topology show",
        ),
        Step(
            "switch the edge",
            f"python manage.py topology edge --topology {topology}   # then reload nginx; "
            f"on Kubernetes: kubectl apply -f deploy/k8s/{topology}/",
            f"curl -fsS -o /dev/null -w '%{{http_code}}\\n' http://<edge>/api/v1/{module}/",
        ),
        Step(
            "verify: traffic served by the new service, no backlog, no dead letters",
            f"curl -fsS http://<edge>/readyz/ && {env} python manage.py events failed",
            f"{env} python manage.py events queues",
        ),
        Step(
            f"roll back (before retiring the old copy): edge back to {base}, rows written "
            f"since then moved back",
            f"python manage.py topology edge --topology {base} && {env} python manage.py "
            f"extraction move-data {module} --from {alias} --to default --replace",
            f"{env} python manage.py extraction move-data {module} --from {alias} --to default "
            f"--verify",
        ),
        Step(
            "retire the old copy (after the rollback window)",
            f"SEAMS_TOPOLOGY={base} python manage.py migrate {module} zero --database default",
            f"SEAMS_TOPOLOGY={base} python manage.py showmigrations {module}",
        ),
    )
