"""The public edge's routing table, derived from a topology.

A client sees one API whatever the topology: ``/api/v1/<module>/`` goes to the service
hosting that module, and everything else (schema, docs, admin, health) to the *front*
service, the one on the ``default`` database. The internal endpoints (``/internal/``) are
never routed. The nginx configuration and the Kubernetes Ingress are rendered from this
one table, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.kernel.remote.handler import INTERNAL_PREFIX
from app.kernel.topology.schema import DEFAULT_DATABASE, Service, Topology

__all__ = ("INTERNAL_PREFIX", "Route", "front_service", "public_routes")


@dataclass(frozen=True)
class Route:
    """Requests whose path starts with ``prefix`` go to ``service``."""

    prefix: str
    service: str


def front_service(topology: Topology) -> Service:
    """The service that answers every path no module route claims."""
    return next(s for s in topology.services.values() if s.database == DEFAULT_DATABASE)


def public_routes(topology: Topology) -> list[Route]:
    """One route per module hosted away from the front service, then the catch-all
    ``/`` to the front service (most specific first)."""
    front = front_service(topology)
    routes = [
        Route(prefix=f"/api/v1/{module}/", service=service.name)
        for module, service in sorted(topology.hosts.items())
        if service.name != front.name
    ]
    return [*routes, Route(prefix="/", service=front.name)]
