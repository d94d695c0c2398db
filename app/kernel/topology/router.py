"""The database router: each module's tables in its module's database (topology).

- a module's models (and the apps it ``owns_apps``) → :func:`database_of` the module;
- the kernel's per-module state (outbox, inbox, idempotency keys: apps in
  ``PER_MODULE_APPS``) → the database of the module acting now (``current_module()``), else
  ``default``; it is migrated into every database, so each module keeps its own;
- Django's shared apps (contenttypes, sessions, …) → ``default``, except an app whose models
  relate to a module's model (the admin log → the user), which goes with that module.

``migrate`` creates each module's tables only in its own database. In the monolith every
alias is ``default`` and nothing changes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.db import models

from app.kernel.modules import owner_of_app_label
from app.kernel.ownership import CURRENT_MODULE
from app.kernel.topology import DEFAULT_DATABASE, database_of, is_hosted

#: Kernel apps whose rows belong to the module that wrote them: one copy per database.
PER_MODULE_APPS = frozenset({"seams_events", "idempotency"})


@cache
def _module_for_label(label: str) -> str | None:
    """The module whose database holds app ``label``'s tables (``None``: ``default``)."""
    owner = owner_of_app_label(label)
    if owner is not None:
        return owner
    try:
        config = apps.get_app_config(label)
    except LookupError:
        return None
    for model in config.get_models(include_auto_created=True):
        for field in [*model._meta.fields, *model._meta.many_to_many]:  # forward relations
            related = field.related_model
            if related is not None and related is not model and related != "self":
                target = owner_of_app_label(related._meta.app_label)
                if target is not None:
                    return target
    return None


def database_for_model(model: type[models.Model]) -> str:
    label = model._meta.app_label
    if label in PER_MODULE_APPS:
        acting = CURRENT_MODULE.get()
        return DEFAULT_DATABASE if acting is None else database_of(acting)
    module = _module_for_label(label)
    return DEFAULT_DATABASE if module is None else database_of(module)


class ModuleRouter:
    """``DATABASE_ROUTERS`` entry (app/settings.py)."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        return database_for_model(model)

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        return database_for_model(model)

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool:
        return obj1._state.db == obj2._state.db

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        if app_label in PER_MODULE_APPS:
            return True
        module = _module_for_label(app_label)
        if module is None:
            return db == DEFAULT_DATABASE
        if not is_hosted(module):
            return False
        return database_of(module) == db
