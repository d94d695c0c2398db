"""``manage.py topology show``: a topology as text or as a Mermaid diagram."""

from __future__ import annotations

from collections.abc import Mapping

from app.kernel.modules import ModuleManifest
from app.kernel.topology.schema import Topology
from app.kernel.topology.validation import service_calls


def text(
    topology: Topology, manifests: Mapping[str, ModuleManifest], offers_api: frozenset[str]
) -> str:
    calls = service_calls(topology, manifests, offers_api)
    lines = [f"topology {topology.name}: {topology.description}".rstrip(": "), ""]
    for service in topology.services.values():
        lines.append(f"service {service.name}")
        lines.append(f"  modules:  {', '.join(service.modules)}")
        lines.append(f"  database: {service.database}")
        lines.append(f"  url:      {service.base_url or '(in process only)'}")
        if calls[service.name]:
            lines.append(f"  calls:    {', '.join(sorted(calls[service.name]))}")
        lines.append("")
    lines.append("resilience (calls into a module from another service):")
    default = topology.resilience.default
    lines.append(f"  default: {_policy(default.model_dump())}")
    for module in sorted(topology.resilience.modules):
        lines.append(f"  {module}: {_policy(topology.resilience_for(module).model_dump())}")
    return "\n".join(lines) + "\n"


def _policy(values: Mapping[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items())


def mermaid(topology: Topology, manifests: Mapping[str, ModuleManifest]) -> str:
    """Services as subgraphs holding their modules; an arrow per ``depends_on`` edge,
    dotted when it crosses services (a remote call or an event between processes)."""
    lines = ["flowchart LR"]
    for service in topology.services.values():
        # subgraph ids differ from module ids (a service may be named like its module)
        lines.append(f"  subgraph service_{service.name}[{service.name} · db {service.database}]")
        lines.extend(f"    {module}" for module in service.modules)
        lines.append("  end")
    for name, manifest in manifests.items():
        if name not in topology.hosts:
            continue
        for dependency in manifest.depends_on:
            if dependency not in topology.hosts:
                continue
            same = topology.service_of(name).name == topology.service_of(dependency).name
            lines.append(f"  {name} {'-->' if same else '-.->'} {dependency}")
    return "\n".join(lines) + "\n"
