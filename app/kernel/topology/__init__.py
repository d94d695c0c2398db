"""Topology: which service hosts which module, on which database, at which address.

The deployable shapes are committed files, ``topologies/<name>.toml`` (see
:mod:`.schema`): ``monolith`` (the default: one service, one database), ``split``
(payments and notifications in services of their own) and ``isolated`` (every module its
own service: the split test mode). Two environment variables place a process:

- ``SEAMS_TOPOLOGY``: the topology's name (or a path to a file); default ``monolith``;
- ``SEAMS_SERVICE``: the service this process is. Empty: the process plays every service
  of the topology (the monolith; the split test mode, where calls between services still
  take the remote path, in process).

What follows from them, and only from them: the databases a process knows and where each
module's tables live (:mod:`.router`), and whether a call into a module's ``api`` is a
function call or a remote call (:func:`is_remote`). ``manage.py topology check|show``
validates and prints a topology. Nothing here names a module.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from functools import cache
from typing import TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.db import IntegrityError, connections, models, transaction
from django.db import router as django_router  # not .router, this package's own
from django.db.models.constants import OnConflict

from app.kernel.topology.files import load, service_named
from app.kernel.topology.schema import (
    DEFAULT_DATABASE,
    Resilience,
    Service,
    Topology,
    TopologyError,
)

__all__ = (
    "DEFAULT_DATABASE",
    "Resilience",
    "Service",
    "Topology",
    "TopologyError",
    "atomic_on",
    "create_unless_taken",
    "current",
    "database_of",
    "hosts_every_service",
    "is_hosted",
    "is_remote",
    "service_of",
    "this_service",
)


@cache
def current() -> Topology:
    """The topology this process runs (``settings.SEAMS_TOPOLOGY``); in a module-sliced test
    run (``settings.SEAMS_TEST_SLICE``) only its installed modules."""
    topology = load(settings.SEAMS_TOPOLOGY)
    if settings.SEAMS_TEST_SLICE:
        return topology.restricted_to(p.rsplit(".", 1)[1] for p in settings.SEAMS_MODULES)
    return topology


def this_service() -> Service | None:
    """The service this process is (``SEAMS_SERVICE``), or ``None`` when it plays all."""
    name = settings.SEAMS_SERVICE
    return service_named(current(), name) if name else None


def hosts_every_service() -> bool:
    return not settings.SEAMS_SERVICE


def service_of(module: str) -> Service:
    return current().service_of(module)


def is_hosted(module: str) -> bool:
    """Does this process run ``module``'s code and hold its database connection?"""
    service = this_service()
    return service is None or module in service.modules or module not in current().hosts


def database_of(module: str) -> str:
    """The alias, in this process's ``DATABASES``, of the database holding ``module``'s
    tables. A service's process knows its own database only, as ``default``."""
    if this_service() is not None:
        if not is_hosted(module):
            raise TopologyError(
                f"module {module!r} is not hosted by service {settings.SEAMS_SERVICE!r}: "
                f"its tables are not reachable from here; call its api instead"
            )
        return DEFAULT_DATABASE
    return current().database_of(module)


class atomic_on(ContextDecorator):
    """``transaction.atomic`` on the database holding ``model``'s table, picked when the
    block starts: what a module's services use (``with atomic_on(Order):`` or
    ``@atomic_on(Order)``), so their transaction is the one their writes go to in every
    topology; a bare ``transaction.atomic()`` is on ``default``, which may not be it.
    ``savepoint=False``: inside another transaction, no savepoint (as ``atomic``'s)."""

    def __init__(self, model: type[models.Model], *, savepoint: bool = True) -> None:
        self.model = model
        self.savepoint = savepoint
        self._atomic: transaction.Atomic | None = None

    def _recreate_cm(self) -> atomic_on:  # a fresh one per decorated call (thread-safe)
        return type(self)(self.model, savepoint=self.savepoint)

    def __enter__(self) -> None:
        self._atomic = transaction.atomic(
            using=django_router.db_for_write(self.model), savepoint=self.savepoint
        )
        self._atomic.__enter__()

    def __exit__(self, *exc: object) -> None:
        assert self._atomic is not None
        self._atomic.__exit__(*exc)


M = TypeVar("M", bound=models.Model)


def create_unless_taken(model: type[M], **fields: object) -> M | None:
    """Insert one ``model`` row on its module's database, in one statement: the saved
    instance, or ``None`` when a row with the same unique key is there already (a concurrent
    caller won the race), where ``create()`` in a savepoint with ``except IntegrityError``
    takes three round trips. Only a unique conflict counts: a foreign-key, check or
    not-null violation still raises ``IntegrityError``.

    The insert is Django's own (``QuerySet._insert``, what ``save()`` and ``bulk_create()``
    use: defaults and ``auto_now`` values filled in alike; no ``pre_save``/``post_save``
    signals, which nothing here listens to), asked to ignore conflicts and return the
    generated columns: ``INSERT … ON CONFLICT DO NOTHING RETURNING`` on PostgreSQL, which
    ignores unique conflicts only; ``INSERT OR IGNORE … RETURNING`` on SQLite, which also
    skips a row that breaks another constraint, so there a skipped row is checked against
    the model's unique keys before it is taken for a lost race."""
    instance = model(**fields)
    meta = model._meta
    using = django_router.db_for_write(model)
    returning = meta.db_returning_fields
    rows = model._base_manager._insert(
        [instance],
        fields=[field for field in meta.local_concrete_fields if field is not meta.auto_field],
        returning_fields=returning,
        using=using,
        on_conflict=OnConflict.IGNORE,
    )
    if not rows or rows[0] is None:
        if connections[using].vendor != "postgresql" and not _key_taken(instance, using):
            raise IntegrityError(f"{meta.label}: the row breaks a constraint: {fields}")
        return None
    for field, value in zip(returning, rows[0], strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = using
    return instance


def _key_taken(instance: models.Model, using: str) -> bool:
    """Whether a row with one of ``instance``'s unique keys (unique fields, unconditional
    field-only unique constraints, ``unique_together``) exists."""
    meta = instance._meta
    keys = [
        (field.name,)
        for field in meta.local_concrete_fields
        if field.unique and not field.primary_key
    ]
    keys += [tuple(names) for names in meta.unique_together]
    keys += [
        tuple(constraint.fields)
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
    ]
    rows = instance.__class__._base_manager.using(using)
    return any(
        rows.filter(**{name: getattr(instance, name) for name in key}).exists() for key in keys
    )


def is_remote(caller: str | None, callee: str) -> bool:
    """Is a call from module ``caller`` (``None``: code of no module, such as a command or a
    test, running in this process's service) into ``callee``'s api a remote call?

    Remote exactly when the two live in different services of the topology. In a process
    playing every service, code of no module (or of a module the topology does not know)
    counts as outside every service, so it too reaches each module through its remote
    binding (the split test mode).
    """
    topology = current()
    if len(topology.services) == 1 or callee not in topology.hosts:
        return False
    target = topology.service_of(callee).name
    if caller is not None and caller in topology.hosts:
        return topology.service_of(caller).name != target
    service = this_service()
    return service is None or service.name != target


def reset() -> None:
    """Forget the loaded topology (a test that rewrote the file ``SEAMS_TOPOLOGY`` names)."""
    current.cache_clear()


def _forget_topology(setting: str, **kwargs: object) -> None:
    if setting == "SEAMS_TOPOLOGY":
        reset()


# tests that override SEAMS_TOPOLOGY get the new one
setting_changed.connect(_forget_topology, dispatch_uid="seams.topology")
