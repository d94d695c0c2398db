"""Outbox rows out: the claim (``FOR UPDATE SKIP LOCKED`` with per-key ordering), the
envelope a delivery carries to its consumer, the inbox entry a handled delivery leaves,
replay and pruning. Rows go in through :mod:`app.kernel.events.outbox`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from app.kernel import topology
from app.kernel.events import conf
from app.kernel.events.bus import Delivery
from app.kernel.events.models import DeliveryAttempt, InboxEntry, OutboxMessage, OutboxStatus


def outbox_db(module: str | None = None) -> str:
    """The alias of the outbox (and inbox) of ``module``'s database; without a module, the
    one the router picks for the code running now (``default`` outside any module)."""
    if module is None:
        return router.db_for_write(OutboxMessage)
    return topology.database_of(module)


def outbox_dbs() -> list[str]:
    """Every database whose outbox this process delivers: each database of the topology in
    a process playing every service, else its own (``default``)."""
    if not topology.hosts_every_service():
        return [topology.DEFAULT_DATABASE]
    return [alias for alias in topology.current().databases() if alias in connections]


@dataclass(frozen=True)
class Envelope:
    """What a consumer needs to run one delivery; JSON-serialisable (a Celery task kwarg)."""

    outbox_id: int
    event_id: str
    event_name: str
    event_version: int
    handler: str
    module: str
    key: str | None
    payload: dict[str, Any]  # JSON text (str) only between the relay's claim and publish
    traceparent: str
    attempts: int  # failed attempts before this one

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        return cls(**data)


_RETURNING = (
    "id, event_id, event_name, event_version, handler, module, key, payload, traceparent, attempts"
)


def _row_to_envelope(row: Sequence[Any], *, parse: bool = True) -> Envelope:
    payload = row[7]
    if parse and isinstance(payload, str | bytes):
        payload = json.loads(payload)
    elif not parse and not isinstance(payload, str):
        payload = json.dumps(payload)
    return Envelope(
        outbox_id=row[0],
        event_id=str(row[1]),
        event_name=row[2],
        event_version=row[3],
        handler=row[4],
        module=row[5],
        key=row[6],
        payload=payload,
        traceparent=row[8] or "",
        attempts=row[9],
    )


def claim(
    *,
    limit: int,
    honour_backoff: bool = True,
    stale: bool = False,
    stale_after: float | None = None,
    ids: Sequence[int] | None = None,
    using: str | None = None,
    parse_payload: bool = True,
    forwards: bool = False,
) -> list[Envelope]:
    """Move up to ``limit`` due rows to ``sent`` and return them, oldest first.

    A row is skipped while an earlier row of the same (handler, key) is still open (pending or
    sent): that is the per-key ordering guarantee. On PostgreSQL the candidates are locked
    ``FOR UPDATE SKIP LOCKED``, so concurrent relays never claim the same row. ``stale``
    claims rows sent longer ago than ``stale_after`` seconds (default
    SEAMS_EVENTS_REDELIVER_AFTER_SECONDS): messages lost by a broker or a dead process.
    Call inside a transaction when the caller must publish before the claim commits.
    ``parse_payload=False`` leaves ``payload`` as the JSON text (the relay splices it).
    ``forwards`` claims the rows bound for consumers on other databases (and only those;
    see :mod:`.forwarding`) instead of the rows handled here.
    """
    using = using or outbox_db()
    connection = connections[using]
    table = OutboxMessage._meta.db_table
    now = timezone.now()
    params: list[Any] = []
    if stale:
        due = "o.status = 'sent' AND o.sent_at < %s"
        if stale_after is None:
            stale_after = float(conf.get("SEAMS_EVENTS_REDELIVER_AFTER_SECONDS"))
        params.append(now - timedelta(seconds=stale_after))
    else:
        due = "o.status = 'pending'"
        if honour_backoff:
            due += " AND o.available_at <= %s"
            params.append(now)
    due += " AND o.delivery = %s" if forwards else " AND o.delivery <> %s"
    params.append(Delivery.FORWARD.value)
    if ids is not None:
        if not ids:
            return []
        due += f" AND o.id IN ({', '.join(['%s'] * len(ids))})"
        params.extend(ids)
    candidates = (
        f"SELECT o.id FROM {table} o WHERE {due} AND NOT EXISTS ("  # noqa: S608
        f"SELECT 1 FROM {table} p WHERE p.handler = o.handler AND p.key = o.key "
        f"AND p.id < o.id AND p.status IN ('pending', 'sent')) ORDER BY o.id LIMIT %s"
    )
    if connection.vendor == "postgresql":
        # = ANY(ARRAY(...)): the candidates are picked (and locked) once, then updated by
        # primary key; a plain IN (...) lets the planner hash-join against the whole table,
        # which slows down as the backlog grows.
        where = f"id = ANY(ARRAY({candidates} FOR UPDATE SKIP LOCKED))"
    else:  # SQLite: one writer at a time, the statement is atomic
        where = f"id IN ({candidates})"
    # table name and clauses are constants; values are parameters
    sql = (
        f"UPDATE {table} SET status = 'sent', sent_at = %s "  # noqa: S608
        f"WHERE {where} RETURNING {_RETURNING}"
    )
    by_index = connection.vendor == "postgresql" and ids is None
    # the plan settings are local to the transaction: put back only inside an outer one
    nested = connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if by_index:
            # Index scans only, whatever the statistics say (docs/benchmarks.md). A burst on
            # an outbox the planner has no statistics for yet is estimated at a dozen rows:
            # it would sort every due row for each batch (quadratic). And a plan cached by a
            # prepared statement (DB_PREPARE_THRESHOLD) while the outbox was nearly empty
            # scans the whole table for every claim once it has grown: nothing replans it
            # until the table is analysed. Walking the due rows in id order on an index, with
            # the per-key check and the update by primary key, stops at ``limit``.
            cursor.execute(_PLAN_BY_ID_INDEX)
        cursor.execute(sql, [now, *params, limit])
        rows = cursor.fetchall()
        if by_index and nested:
            cursor.execute(_PLAN_DEFAULT)
    rows.sort(key=lambda r: r[0])
    return [_row_to_envelope(r, parse=parse_payload) for r in rows]


_PLAN_BY_ID_INDEX = (
    "SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true), "
    "set_config('enable_seqscan', 'off', true)"
)
_PLAN_DEFAULT = (
    "SELECT set_config('enable_sort', 'on', true), set_config('enable_bitmapscan', 'on', true), "
    "set_config('enable_seqscan', 'on', true)"
)


_INBOX_COLUMNS = ("event_id", "handler", "event_name", "attempts", "processed_at")


def inbox_record(using: str, **values: Any) -> bool:
    """Insert the inbox entry of a handled delivery (``values``: :data:`_INBOX_COLUMNS`)
    unless its (event id, handler) is there already; whether it was new.

    One ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite alike): an ORM insert
    that may fail needs a savepoint around it, two round trips more for every delivery. A
    concurrent delivery of the same event waits on the unique index until this transaction
    ends, then inserts nothing."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = [InboxEntry._meta.get_field(name) for name in _INBOX_COLUMNS]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(InboxEntry._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders}) ON CONFLICT DO NOTHING"
    )
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def replay(ids: Sequence[int] | None = None, *, using: str | None = None) -> int:
    """Put dead rows (all of them when ``ids`` is None) back to pending, attempts reset."""
    qs = OutboxMessage.objects.using(using or outbox_db()).filter(status=OutboxStatus.DEAD)
    if ids is not None:
        qs = qs.filter(id__in=ids)
    now = timezone.now()
    return qs.update(
        status=OutboxStatus.PENDING, attempts=0, available_at=now, sent_at=None, last_error=""
    )


def prune(
    *, older_than: datetime | None = None, batch: int = 5000, using: str | None = None
) -> tuple[int, int]:
    """Delete done outbox rows (with their failed attempts) and inbox entries older than the
    retention, in batches of ``batch`` rows. Dead rows are never pruned.
    Returns (outbox rows, inbox entries) deleted."""
    using = using or outbox_db()
    cutoff = older_than or timezone.now() - timedelta(days=conf.get("SEAMS_EVENTS_RETENTION_DAYS"))
    outbox = inbox = 0
    while True:
        ids = list(
            OutboxMessage.objects.using(using)
            .filter(status=OutboxStatus.DONE, processed_at__lt=cutoff)
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            break
        with transaction.atomic(using=using):
            DeliveryAttempt.objects.using(using).filter(message_id__in=ids)._raw_delete(using)
            outbox += OutboxMessage.objects.using(using).filter(id__in=ids)._raw_delete(using)
    while True:
        ids = list(
            InboxEntry.objects.using(using)
            .filter(processed_at__lt=cutoff)
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            break
        inbox += InboxEntry.objects.using(using).filter(id__in=ids)._raw_delete(using)
    return outbox, inbox
