"""Module manifests and the registry that reads them.

Each module declares one :class:`ModuleManifest` in ``modules/<name>/manifest.py``; it is the
single source of truth for the module's dependencies, public surface, consumed events and
Celery queue. The kernel loads manifests by name from ``settings.SEAMS_MODULES`` and never
imports a module statically.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache

from django.apps import AppConfig, apps
from django.conf import settings

from app.kernel.events.bus import bus

PUBLIC_SUBMODULES = ("api", "events")


@dataclass(frozen=True)
class ModuleManifest:
    """What a module is, what it may use and what it offers.

    ``depends_on`` names the modules whose public surface (``api``, ``events``) this module
    may import. ``consumes`` lists event names (``"orders.OrderPlaced"``) it subscribes to.
    """

    name: str
    summary: str
    depends_on: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()
    public: tuple[str, ...] = PUBLIC_SUBMODULES
    queue: str = field(default="")

    def __post_init__(self) -> None:
        if not self.queue:
            object.__setattr__(self, "queue", self.name)

    @property
    def package(self) -> str:
        return f"modules.{self.name}"


@cache
def manifests() -> dict[str, ModuleManifest]:
    """All hosted modules' manifests, keyed by module name, in settings order."""
    found = {}
    for package in settings.SEAMS_MODULES:
        manifest = importlib.import_module(f"{package}.manifest").MANIFEST
        found[manifest.name] = manifest
    return found


def manifest(name: str) -> ModuleManifest:
    return manifests()[name]


def module_of(dotted_path: str) -> str | None:
    """The module name a dotted Python path belongs to (``modules.orders.views`` → ``orders``)."""
    parts = dotted_path.split(".")
    if len(parts) >= 2 and parts[0] == "modules":
        return parts[1]
    return None


def app_config(name: str) -> AppConfig:
    return apps.get_app_config(name)


class ModuleConfig(AppConfig):
    """Base AppConfig for modules: the app label is the module name.

    ``ready()`` applies the module's subscription table (``handlers.SUBSCRIPTIONS``).
    """

    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        try:
            handlers = importlib.import_module(f"{self.name}.handlers")
        except ModuleNotFoundError as missing:
            if missing.name != f"{self.name}.handlers":
                raise
            return
        bus.subscribe_all(self.label, getattr(handlers, "SUBSCRIPTIONS", ()))
