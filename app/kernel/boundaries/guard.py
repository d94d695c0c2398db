"""The runtime data-ownership guard: a module's code touches only its own tables.

Installed on every database connection (``connection_created``) as an execute wrapper. While
a module's code runs (``current_module()`` is set by the entry points, see
:mod:`app.kernel.ownership`), every SQL statement, ORM-generated or raw, is scanned for the
names of tables owned by another module; such a statement is refused before it reaches the
database (mode ``raise``), logged (``log``), or let through unchecked (``off``), per
``settings.SEAMS_OWNERSHIP_GUARD``.

Cost: nothing outside a module (``current_module()`` is ``None``); inside, one ``ContextVar``
read, one settings read and a cached scan per distinct SQL string (``bench/guard.py``).

Kernel tables (outbox, inbox, idempotency keys) belong to no module: the kernel's functions
read and write them while a module acts (an outbox row inside the module's transaction),
module code never does. A statement that names one is let through when the code that issued
it is the kernel's (the nearest first-party frame above Django's cursor is under ``app.``, not
``modules.``) and refused like another module's table otherwise. This is the one place the
guard looks at the stack: only for statements naming a kernel table under attribution, a
walk of a few dozen frames (microseconds, next to the statement itself), and it needs no
marker in every kernel function, present or future, that touches those tables.

The scan matches every identifier in the statement (quoted or not) against the table map:
stricter than parsing ``FROM``/``JOIN`` clauses (it also catches comma joins, subqueries,
CTEs, ``TRUNCATE``), at the price that a column or alias spelled exactly like another
module's table would be refused. Table names carry their app label prefix, so that does not
happen by accident.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from app.kernel.boundaries.owners import KERNEL, kernel_tables, table_owners
from app.kernel.observability.metrics import OWNERSHIP_VIOLATIONS
from app.kernel.ownership import CURRENT_MODULE
from app.kernel.topology import DEFAULT_DATABASE, database_of

logger = logging.getLogger("seams.boundaries")

MODES = ("raise", "log", "off")

# identifiers: "quoted", `quoted`, [quoted] or bare words; schema-qualified names yield both.
_IDENTIFIER = re.compile(r'"([^"]+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*)')


class DataOwnershipViolation(Exception):
    """SQL run on behalf of one module touched a table another module owns."""

    def __init__(self, module: str, table: str, owner: str, sql: str) -> None:
        self.module, self.table, self.owner, self.sql = module, table, owner, sql
        if owner == KERNEL:
            rule = (
                f"module {module!r} touched the kernel's table {table!r} (rule: the kernel's "
                "tables are reached only through the kernel). Fix: use the kernel's function "
                "for it (events.publish, @idempotent, the events admin) instead of the table."
            )
        else:
            rule = (
                f"module {module!r} touched table {table!r} owned by module {owner!r} "
                f"(rule: a module reads and writes only its own tables). Fix: call "
                f"{owner}'s api (modules.{owner}.api) or react to its events instead of "
                "querying its table."
            )
        super().__init__(f"{rule} SQL: {sql[:200]}")


@lru_cache(maxsize=8192)
def identifiers_in(sql: str) -> frozenset[str]:
    """Every identifier in ``sql``, lower-cased (one scan, shared by the lookups below)."""
    return frozenset(
        next(group for group in match.groups() if group is not None).lower()
        for match in _IDENTIFIER.finditer(sql)
    )


@lru_cache(maxsize=8192)
def tables_in(sql: str) -> frozenset[str]:
    """Every identifier in ``sql`` that names a module-owned table (lower-cased)."""
    return identifiers_in(sql) & table_owners().keys()


@lru_cache(maxsize=8192)
def foreign_tables(module: str, sql: str) -> tuple[tuple[str, str], ...]:
    """``(table, owner)`` pairs in ``sql`` that belong to a module other than ``module``."""
    owners = table_owners()
    return tuple(
        sorted((table, owners[table]) for table in tables_in(sql) if owners[table] != module)
    )


class WrongDatabase(DataOwnershipViolation):
    """SQL run on behalf of a module went to a database other than its module's."""

    def __init__(self, module: str, alias: str, own: str, sql: str) -> None:
        self.module, self.table, self.owner, self.sql = module, alias, module, sql
        Exception.__init__(
            self,
            f"module {module!r} ran SQL on database {alias!r}, not on its own ({own!r}) "
            f"(rule: no module touches another module's database). Fix: use "
            f"topology.atomic_on(<model>) rather than a bare transaction.atomic(), the ORM "
            f"rather than connection.cursor() on 'default'. SQL: {sql[:200]}",
        )


@lru_cache(maxsize=8192)
def kernel_tables_in(sql: str) -> tuple[str, ...]:
    """The kernel's tables named in ``sql`` (sorted)."""
    return tuple(sorted(identifiers_in(sql) & kernel_tables()))


def issued_by_module_code() -> bool:
    """Whether the SQL being executed comes from a module's code rather than the kernel's.

    Skips the execute-wrapper chain (up to Django's cursor wrapper) and Django itself, then
    decides by the nearest frame of our own code: ``modules.*`` is module code; ``app.*``
    (the kernel), ``tests.*`` and scripts are not.
    """
    frame = sys._getframe(1)
    while frame is not None and not frame.f_globals.get("__name__", "").startswith(
        "django.db.backends"
    ):
        frame = frame.f_back
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("modules."):
            return True
        if name.startswith(("app.", "tests.", "bench.")) or name == "__main__":
            return False
        frame = frame.f_back
    return False


def guard_mode() -> str:
    mode = getattr(settings, "SEAMS_OWNERSHIP_GUARD", "raise")
    if mode not in MODES:
        raise ImproperlyConfigured(f"SEAMS_OWNERSHIP_GUARD must be one of {MODES}, not {mode!r}")
    return mode


def ownership_guard(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """Execute wrapper: refuse or log SQL touching another module's tables."""
    module = CURRENT_MODULE.get()
    if module is None:
        return execute(sql, params, many, context)
    mode = guard_mode()
    if mode != "off" and isinstance(sql, str):
        error: DataOwnershipViolation | None = None
        violations = foreign_tables(module, sql)
        if not violations and kernel_tables_in(sql) and issued_by_module_code():
            violations = ((kernel_tables_in(sql)[0], KERNEL),)
        if violations:
            table, owner = violations[0]
            error = DataOwnershipViolation(module, table, owner, sql)
        elif (alias := context["connection"].alias) != (own := own_database(module)) and (
            alias != DEFAULT_DATABASE or kept_per_module(sql)
        ):
            error = WrongDatabase(module, alias, own, sql)
        if error is not None:
            OWNERSHIP_VIOLATIONS.labels(module, error.owner, mode).inc()
            if mode == "raise":
                raise error
            logger.warning(
                "data ownership violation: %s",
                error,
                extra={"acting_module": module, "table": error.table, "table_owner": error.owner},
            )
    return execute(sql, params, many, context)


def kept_per_module(sql: str) -> bool:
    """Does ``sql`` name a module's table or one the kernel keeps per module (outbox, inbox,
    idempotency keys)? Shared infrastructure (sessions, content types) is on ``default``
    for everyone; those tables are each module's own, on its own database."""
    return bool(tables_in(sql) or kernel_tables_in(sql))


@lru_cache(maxsize=256)
def own_database(module: str) -> str:
    """The alias of ``module``'s database in this process (cached; see the settings hook)."""
    return database_of(module)


def install(connection: Any) -> None:
    """Add the guard to ``connection``'s execute wrappers (once)."""
    if ownership_guard not in connection.execute_wrappers:
        connection.execute_wrappers.append(ownership_guard)


@receiver(connection_created, dispatch_uid="seams.boundaries.guard")
def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    install(connection)


@receiver(setting_changed, dispatch_uid="seams.boundaries.guard.settings")
def _on_setting_changed(setting: str, **kwargs: Any) -> None:
    if setting in {"INSTALLED_APPS", "SEAMS_MODULES"}:
        table_owners.cache_clear()
        kernel_tables.cache_clear()
        identifiers_in.cache_clear()
        tables_in.cache_clear()
        kernel_tables_in.cache_clear()
        foreign_tables.cache_clear()
    if setting in {"SEAMS_TOPOLOGY", "SEAMS_SERVICE", "SEAMS_MODULES"}:
        own_database.cache_clear()


def install_everywhere() -> None:
    """Guard connections already open; ``connection_created`` covers the ones to come."""
    for connection in connections.all(initialized_only=True):
        install(connection)
