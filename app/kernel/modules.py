"""Module manifests and the registry that reads them.

Each module declares one :class:`ModuleManifest` in ``modules/<name>/manifest.py``; it is the
single source of truth for the module's dependencies, public surface, consumed events and
Celery queue. The kernel loads manifests by name from ``settings.SEAMS_MODULES`` and never
imports a module statically. Everything that enforces or describes the boundaries
(``importlinter.ini``, the system checks, the data-ownership guard, ``docs/modules.md``) is
derived from the manifests by :mod:`app.kernel.boundaries`.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType

from django.apps import AppConfig, apps
from django.conf import settings

from app.kernel.events.bus import bus

PUBLIC_SUBMODULES = ("api", "events")
MODULES_PACKAGE = "modules"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ModuleManifest:
    """What a module is, what it may use and what it offers.

    - ``name``: the module's name; also its package (``modules.<name>``) and app label.
    - ``summary``: one line: what it owns.
    - ``depends_on``: the modules whose public surface (``api``, ``events``) this module may
      import. The graph they form must be acyclic.
    - ``consumes``: names of the events it subscribes to (``"orders.OrderPlaced"``); must equal
      the events in its ``handlers.SUBSCRIPTIONS`` and come from itself or a ``depends_on``
      module (system check ``seams.E005``/``seams.E006``).
    - ``public``: its submodules other modules may import (``api``, ``events``).
    - ``queue``: the Celery queue its tasks and asynchronous handlers run on (default: name).
    - ``owns_apps``: labels of non-module Django apps whose tables belong to this module
      (accounts owns ``auth`` and ``token_blacklist``). Other modules may neither reference
      those models nor touch those tables.
    """

    name: str
    summary: str
    depends_on: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()
    public: tuple[str, ...] = PUBLIC_SUBMODULES
    queue: str = field(default="")
    owns_apps: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"module name {self.name!r} must be a lowercase Python identifier")
        for attr in ("depends_on", "consumes", "public", "owns_apps"):
            value = getattr(self, attr)
            if isinstance(value, str):
                raise TypeError(f"{self.name}: {attr} must be a tuple of strings, not a string")
            object.__setattr__(self, attr, tuple(value))
        if self.name in self.depends_on:
            raise ValueError(f"module {self.name!r} cannot depend on itself")
        if not self.queue:
            object.__setattr__(self, "queue", self.name)

    @property
    def package(self) -> str:
        return f"{MODULES_PACKAGE}.{self.name}"


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
    if len(parts) >= 2 and parts[0] == MODULES_PACKAGE:
        return parts[1]
    return None


def owner_of_app_label(label: str) -> str | None:
    """The module that owns a Django app's tables, or ``None`` for shared infrastructure.

    A module's own app label is its name; non-module apps listed in a manifest's
    ``owns_apps`` belong to that module; every other app (contenttypes, sessions, the kernel's
    apps) is infrastructure (the guard keeps the kernel's tables to the kernel's code).
    """
    return _label_owners().get(label)


@cache
def _label_owners() -> dict[str, str]:
    owners = {}
    for name, found in manifests().items():
        owners[name] = name
        for label in found.owns_apps:
            owners[label] = name
    return owners


def submodule(package: str, name: str) -> ModuleType | None:
    """Import ``<package>.<name>`` (a module's ``handlers``, ``tasks``, ``demo``...), or None
    when the module has no such file. An import error inside the file still raises."""
    dotted = f"{package}.{name}"
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as missing:
        if missing.name != dotted:
            raise
        return None


def app_config(name: str) -> AppConfig:
    return apps.get_app_config(name)


class ModuleConfig(AppConfig):
    """Base AppConfig for modules: the app label is the module name.

    ``ready()`` applies the module's subscription table (``handlers.SUBSCRIPTIONS``).
    A module's ``apps.py`` imports this base too; only its own subclass is the default
    config Django picks, so no module has to say ``default = True``.
    """

    default = False
    default_auto_field = "django.db.models.BigAutoField"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.default = True

    def ready(self) -> None:
        if handlers := submodule(self.name, "handlers"):
            bus.subscribe_all(self.label, getattr(handlers, "SUBSCRIPTIONS", ()))
