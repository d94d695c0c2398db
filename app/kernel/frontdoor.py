"""The front door: ``GET /`` is a small server-rendered page for a person who just started
the shop (links to the API docs, the admin, health, metrics; the module map; in development
the demo logins). No script, no CDN: it renders offline like ``/api/docs/``.

``manage.py frontdoor URL`` prints the same links (``make run`` does, before it serves).

Demo logins come from each module's ``demo.py``: an optional ``LOGINS`` table of
``(role, email, password)``, read by name like ``seed_demo`` reads ``demo.seed``; they are
shown only outside production.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from app.kernel.modules import manifests, submodule


@dataclass(frozen=True)
class Link:
    path: str
    title: str
    what: str


LINKS = (
    Link("/api/docs/", "API docs", "Swagger UI over the OpenAPI schema: try every endpoint"),
    Link("/api/schema/", "OpenAPI schema", "the machine-readable contract (YAML)"),
    Link("/admin/", "Admin", "staff only: the modules' data"),
    Link("/healthz/", "Liveness", "the process answers (no I/O)"),
    Link("/readyz/", "Readiness", "the database and, with Redis, the broker and the cache"),
    Link("/metrics", "Metrics", "Prometheus text format"),
)


def demo_logins() -> list[tuple[str, str, str]]:
    """``(role, email, password)`` of every module's demo account; none in production."""
    if settings.PRODUCTION:
        return []
    logins = []
    for package in settings.SEAMS_MODULES:
        demo = submodule(package, "demo")
        logins.extend(getattr(demo, "LOGINS", ()))
    return logins


@require_safe
def front_door(request):
    modules = [
        {
            "name": found.name,
            "summary": found.summary,
            "depends_on": found.depends_on,
            "consumes": found.consumes,
            "prefix": f"/api/v1/{found.name}/",
        }
        for found in manifests().values()
    ]
    context = {"links": LINKS, "modules": modules, "logins": demo_logins()}
    return render(request, "kernel/front_door.html", context)
