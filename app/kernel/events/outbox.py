"""Writing outbox rows: built when events are published, held for the rest of the
transaction, and written in ONE multi-row INSERT just before it commits.

Django has no pre-commit hook, so the first publish in a transaction on a connection gives
that connection a :class:`TransactionOutbox`, which wraps four of its methods (ADR 0003):

- ``commit``: insert the rows held (in the transaction, right before the real COMMIT);
- ``rollback`` and ``close``: forget them;
- ``savepoint_rollback(sid)``: forget the rows published inside that savepoint, as Django
  forgets the ``on_commit`` hooks registered there.

A transaction sees its own rows: while rows are held, any statement on the outbox table
(the ORM, ``store.claim``, raw SQL) writes them first. That early write is still one INSERT
for all rows held; a rollback to a savepoint taken before it puts back the rows published
outside that savepoint, to be written again. Outside a transaction (autocommit) rows are
written at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from app.kernel.events import conf
from app.kernel.events.base import Event
from app.kernel.events.bus import BoundSubscription, Delivery
from app.kernel.events.models import OutboxMessage

NOTIFY_CHANNEL = "seams_outbox"
TABLE = OutboxMessage._meta.db_table

Deferred = Sequence[tuple[Event, Sequence[BoundSubscription]]]


def rows_for(deferred: Deferred) -> list[OutboxMessage]:
    """One unsaved row per (event, deferred subscription)."""
    now = timezone.now()
    grace = timedelta(seconds=conf.get("SEAMS_EVENTS_AFTER_COMMIT_GRACE_SECONDS"))
    rows = []
    for event, bounds in deferred:
        payload = event.model_dump(mode="json")
        key = event.key
        for bound in bounds:
            rows.append(
                OutboxMessage(
                    event_id=event.event_id,
                    event_name=event.name,
                    event_version=event.version,
                    handler=bound.handler_id,
                    module=bound.module,
                    delivery=bound.delivery.value,
                    key=key,
                    payload=payload,
                    traceparent=event.traceparent or "",
                    created_at=now,
                    # after_commit: the publishing process tries first; others wait a grace
                    available_at=now + grace if bound.delivery is Delivery.AFTER_COMMIT else now,
                )
            )
    return rows


def insert(rows: Sequence[OutboxMessage], using: str, *, ignore_conflicts: bool = False) -> None:
    """Insert ``rows`` in one multi-row INSERT (ids set on them, unless
    ``ignore_conflicts``: rows already there are skipped, ids stay unset). On PostgreSQL
    the table's trigger also notifies the relays on ``NOTIFY_CHANNEL`` (transactional:
    delivered on commit; migration 0003, ADR 0026)."""
    OutboxMessage.objects.using(using).bulk_create(rows, ignore_conflicts=ignore_conflicts)


def write(deferred: Deferred, *, using: str) -> list[OutboxMessage]:
    """The outbox rows of ``deferred``: held by the open transaction on ``using`` (written
    at its commit), or inserted now in autocommit mode. Their ids are set once written."""
    rows = rows_for(deferred)
    connection = connections[using]
    if connection.in_atomic_block:
        TransactionOutbox.of(connection).hold(rows)
    else:
        insert(rows, using)
    return rows


def flush(using: str) -> None:
    """Write the rows the open transaction on ``using`` holds, if any."""
    transaction_outbox = getattr(connections[using], "seams_outbox", None)
    if transaction_outbox is not None:
        transaction_outbox.flush()


@dataclass(eq=False)
class _Held:
    rows: list[OutboxMessage]
    published_in: frozenset[str | None]  # savepoints open at publish
    written_in: frozenset[str | None] | None = None  # savepoints open at INSERT; None: not yet


class TransactionOutbox:
    """The outbox rows of one connection's open transaction (see the module docstring)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.held: list[_Held] = []
        self.watching = False
        self._commit = connection.commit
        self._rollback = connection.rollback
        self._savepoint_rollback = connection.savepoint_rollback
        self._close = connection.close
        connection.commit = self.commit
        connection.rollback = self.rollback
        connection.savepoint_rollback = self.savepoint_rollback
        connection.close = self.close

    @classmethod
    def of(cls, connection: BaseDatabaseWrapper) -> TransactionOutbox:
        outbox = getattr(connection, "seams_outbox", None)
        if outbox is None:
            outbox = connection.seams_outbox = cls(connection)
        return outbox

    def hold(self, rows: list[OutboxMessage]) -> None:
        self.held.append(_Held(rows, frozenset(self.connection.savepoint_ids)))
        self._watch()

    def flush(self) -> None:
        """Insert every row held and not written yet, in one INSERT, in the transaction."""
        unwritten = [held for held in self.held if held.written_in is None]
        self._unwatch()  # before the INSERT, which is a statement on the outbox table
        if not unwritten:
            return
        insert([row for held in unwritten for row in held.rows], self.connection.alias)
        savepoints = frozenset(self.connection.savepoint_ids)
        for held in unwritten:
            held.written_in = savepoints

    # -- the wrapped connection methods -------------------------------------------------
    def commit(self) -> None:
        # Atomic.__exit__ calls this with autocommit still off: the INSERT joins the
        # transaction; a DatabaseError here makes Atomic roll it back (and forget the rows).
        self.flush()
        self._commit()
        self.held.clear()

    def rollback(self) -> None:
        self._rollback()  # first: inside an atomic block it refuses, and the rows stay
        self._forget()

    def close(self) -> None:
        try:
            self._close()
        finally:
            self._forget()

    def savepoint_rollback(self, sid: str) -> None:
        self._savepoint_rollback(sid)
        kept = []
        for held in self.held:
            if sid in held.published_in:
                continue
            if held.written_in is not None and sid in held.written_in:
                held.written_in = None  # the INSERT was undone: write these again
                for row in held.rows:
                    row.pk = None
            kept.append(held)
        self.held = kept
        if any(held.written_in is None for held in kept):
            self._watch()
        else:
            self._unwatch()

    def _forget(self) -> None:
        self.held.clear()
        self._unwatch()

    # -- read-your-writes --------------------------------------------------------------
    def _watch(self) -> None:
        # first, not last: connection.execute_wrapper() context managers pop() the last one
        if not self.watching:
            self.connection.execute_wrappers.insert(0, self._before_outbox_statement)
            self.watching = True

    def _unwatch(self) -> None:
        if self.watching:
            self.connection.execute_wrappers.remove(self._before_outbox_statement)
            self.watching = False

    def _before_outbox_statement(
        self, execute: Callable, sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        if TABLE in sql:
            self.flush()
        return execute(sql, params, many, context)
