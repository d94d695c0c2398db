"""Who owns which model and table, derived from the app registry and the manifests."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import models

from app.kernel.modules import owner_of_app_label

#: Models any module may reference by a relation: generic relations are the framework's.
SHARED_MODELS = frozenset({"contenttypes.contenttype"})


def model_owner(model: type[models.Model]) -> str | None:
    """The module owning ``model``'s table (``None``: shared infrastructure)."""
    return owner_of_app_label(model._meta.app_label)


def label_of(model: type[models.Model]) -> str:
    return model._meta.label


@cache
def table_owners() -> dict[str, str]:
    """Lower-cased table name → owning module, for every installed model owned by a module.

    Includes auto-created many-to-many tables. Tables of infrastructure apps (contenttypes,
    sessions, admin) are absent: any module may touch them; the kernel's are
    :func:`kernel_tables`, reached only through the kernel's code (see the guard).
    """
    owners = {}
    for model in apps.get_models(include_auto_created=True):
        owner = model_owner(model)
        if owner is not None and not model._meta.proxy:
            owners[model._meta.db_table.lower()] = owner
    return owners


#: The owner named in a violation on a kernel table.
KERNEL = "kernel"


@cache
def kernel_tables() -> frozenset[str]:
    """Lower-cased tables of the kernel's own apps (outbox, inbox, idempotency keys).

    No module owns them; only the kernel's code touches them, on a module's behalf.
    """
    return frozenset(
        model._meta.db_table.lower()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_config.name.startswith("app.kernel") and not model._meta.proxy
    )
