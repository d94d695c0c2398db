"""Moving a module's rows from one database to another: copy, then verify row by row.

Run by a process that knows both aliases (one playing every service of the topology the
module moves into, or out of). What moves: the rows of every table the module owns (its
models, the apps it ``owns_apps``, their many-to-many tables) in an order that satisfies
their foreign keys, with their primary keys, and the module's inbox entries (so an event it
handled before the move is not handled again after it). Sequences are reset on the target.

What it refuses (nothing is written then):

- the target lacks one of the tables (migrate it first);
- the target already holds rows of the module (``replace=True`` deletes them first: the
  way back, when the source has the newer copy);
- the source still has open deliveries (pending or sent outbox rows) for the module: they
  would be run by the module's new service, which cannot see them. Drain them first.

:func:`verify` compares every moved table on both sides: same number of rows and the same
digest of their serialised contents, in primary-key order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import islice

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction

from app.kernel.events.models import InboxEntry, OutboxMessage, OutboxStatus
from app.kernel.modules import manifest

CHUNK = 1000


class MoveError(RuntimeError):
    """The move cannot start (or its verification failed); the message says why."""


@dataclass(frozen=True)
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    same: bool


def module_models(module: str) -> list[type[models.Model]]:
    """The module's concrete models (auto-created many-to-many tables included), each
    after the models its foreign keys point to."""
    labels = {module, *manifest(module).owns_apps}
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in labels and not m._meta.proxy
    ]
    ordered: list[type[models.Model]] = []

    def visit(model: type[models.Model], path: tuple) -> None:
        if model in ordered or model in path:
            return
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target is not None and target in found and target is not model:
                visit(target, (*path, model))
        ordered.append(model)

    for model in found:
        visit(model, ())
    return ordered


@dataclass(frozen=True)
class _Part:
    """One set of rows that moves: a table of the module's (with its primary keys), or its
    entries in the shared inbox table (new ids on the target, which has others' entries)."""

    label: str
    model: type[models.Model]
    inbox_of: str = ""

    def rows(self, alias: str) -> models.QuerySet:
        if self.inbox_of:
            return (
                InboxEntry.objects.using(alias)
                .filter(handler__startswith=f"{self.inbox_of}.")
                .order_by("event_id", "handler")
            )
        return self.model._base_manager.using(alias).order_by("pk")

    def fields(self) -> list[models.Field]:
        fields = self.model._meta.concrete_fields
        return [f for f in fields if not f.primary_key] if self.inbox_of else list(fields)


def _parts(module: str) -> list[_Part]:
    own = [_Part(m._meta.db_table, m) for m in module_models(module)]
    return [*own, _Part(f"{InboxEntry._meta.db_table} ({module}.*)", InboxEntry, module)]


def _preflight(module: str, source: str, target: str, replace: bool) -> None:
    if source == target:
        raise MoveError("--from and --to name the same database")
    for alias in (source, target):
        if alias not in connections:
            raise MoveError(
                f"no database {alias!r} in this process ({', '.join(connections)}): run it "
                f"with the SEAMS_TOPOLOGY that has both, and no SEAMS_SERVICE"
            )
    existing = set(connections[target].introspection.table_names())
    missing = [m._meta.db_table for m in module_models(module) if m._meta.db_table not in existing]
    if missing:
        raise MoveError(
            f"database {target!r} lacks {', '.join(missing)}: migrate it first "
            f"(python manage.py migrate --database {target})"
        )
    open_rows = (
        OutboxMessage.objects.using(source)
        .filter(module=module, status__in=[OutboxStatus.PENDING, OutboxStatus.SENT])
        .count()
    )
    if open_rows:
        raise MoveError(
            f"{open_rows} deliveries to {module} are still open in {source!r}: let its worker "
            f"and relay finish them (python manage.py events queues) before moving"
        )
    if not replace:
        held = [part.label for part in _parts(module) if part.rows(target).exists()]
        if held:
            raise MoveError(
                f"database {target!r} already holds rows of {module} ({', '.join(held)}): "
                f"pass --replace to overwrite them with {source!r}'s"
            )


def _copy(part: _Part, source: str, target: str) -> int:
    """Copy the part's rows the way ``loaddata`` saves them (raw: no ``auto_now``, no
    signals' side effects), keeping primary keys except for inbox entries."""
    count = 0
    rows = part.rows(source).iterator(chunk_size=CHUNK)
    while batch := list(islice(rows, CHUNK)):
        for copied in serializers.deserialize("python", serializers.serialize("python", batch)):
            if part.inbox_of:
                copied.object.pk = None
            copied.save(using=target)
            count += 1
    return count


def move(module: str, *, source: str, target: str, replace: bool = False) -> dict[str, int]:
    """Copy the module's rows from ``source`` to ``target`` in one transaction on the
    target; returns rows copied per table. Verify with :func:`verify` afterwards."""
    _preflight(module, source, target, replace)
    parts = _parts(module)
    copied: dict[str, int] = {}
    with transaction.atomic(using=target):
        if replace:
            for part in reversed(parts):
                part.rows(target).delete()
        for part in parts:
            copied[part.label] = _copy(part, source, target)
        connection = connections[target]
        own = [part.model for part in parts if not part.inbox_of]
        statements = connection.ops.sequence_reset_sql(no_style(), own)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    return copied


def _digest(part: _Part, alias: str) -> tuple[int, str]:
    names = [f.attname for f in part.fields()]
    digest = hashlib.sha256()
    count = 0
    for row in part.rows(alias).values_list(*names).iterator(chunk_size=CHUNK):
        digest.update(json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True).encode() + b"\n")
        count += 1
    return count, digest.hexdigest()


def verify(module: str, *, source: str, target: str) -> list[TableCheck]:
    """Each moved table compared on both sides (rows and a digest of their contents)."""
    found = []
    for part in _parts(module):
        source_rows, source_digest = _digest(part, source)
        target_rows, target_digest = _digest(part, target)
        found.append(
            TableCheck(part.label, source_rows, target_rows, source_digest == target_digest)
        )
    return found
