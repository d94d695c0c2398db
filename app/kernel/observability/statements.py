"""Database statements in traces at a price a checkout can pay (ADR 0024).

A span per statement (the psycopg instrumentation) costs ~50 µs of CPU to record and ~35 µs
to export on this project's machines, and a checkout runs ~50 statements: a fifth of its CPU
at 100 % sampling (docs/benchmarks.md "Tracing"). What an operator reads from statement spans
is how much of a module's time went to the database, and which statement was slow. So, while
spans are exported, one execute wrapper on every connection:

- counts each statement and its time into the innermost module-entry span
  (``seams.db.statements``, ``seams.db.time_ms``: set when the span ends, if it ran any);
- gives a statement that took at least ``SEAMS_TRACE_SLOW_STATEMENT_MS`` (default 100) a
  ``CLIENT`` span of its own, in the span it ran under, timed as it ran, with ``db.system``
  and ``db.statement`` (the SQL with placeholders, never the parameters).

``SEAMS_TRACE_SLOW_STATEMENT_MS=0`` records every statement instead, through the maintained
psycopg instrumentation (:func:`every_statement`), at its cost.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created
from opentelemetry.trace import SpanKind, Tracer

STATEMENTS = "seams.db.statements"  # module-entry spans: statements run in the entry's code
TIME_MS = "seams.db.time_ms"  # ... and the time they took, in milliseconds
DB_SYSTEM = "db.system"
DB_STATEMENT = "db.statement"
DEFAULT_SLOW_MS = 100.0


class Tally:
    """The statements of one module-entry span: how many, how long (nanoseconds)."""

    __slots__ = ("count", "nanoseconds")

    def __init__(self) -> None:
        self.count = 0
        self.nanoseconds = 0

    def attributes(self) -> dict[str, int | float]:
        return {STATEMENTS: self.count, TIME_MS: round(self.nanoseconds / 1e6, 3)}


_tally: ContextVar[Tally | None] = ContextVar("seams_statement_tally", default=None)
_tracer: Tracer | None = None  # set by install(): the wrapper is on
_slow_ns = int(DEFAULT_SLOW_MS * 1e6)


def slow_statement_ms() -> float:
    """``SEAMS_TRACE_SLOW_STATEMENT_MS`` (default 100): a statement this slow gets a span; 0,
    every statement does (the psycopg instrumentation). A negative or non-number is an error."""
    raw = os.environ.get("SEAMS_TRACE_SLOW_STATEMENT_MS", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_SLOW_MS
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ValueError(f"SEAMS_TRACE_SLOW_STATEMENT_MS: {raw!r} is not a number of ms >= 0")
    return value


def every_statement() -> bool:
    """Whether every statement gets a span (``SEAMS_TRACE_SLOW_STATEMENT_MS=0``)."""
    return slow_statement_ms() == 0


def counting() -> bool:
    """Whether statements are counted into module-entry spans (the wrapper is installed)."""
    return _tracer is not None


def begin() -> Token[Tally | None]:
    """Start counting statements for a module-entry span being entered."""
    return _tally.set(Tally())


def end(token: Token[Tally | None]) -> dict[str, int | float] | None:
    """Stop counting for the span :func:`begin` started; its attributes, if it ran any."""
    tally = _tally.get()
    _tally.reset(token)
    return tally.attributes() if tally is not None and tally.count else None


def timed_statement(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """Execute wrapper: count the statement into the current tally, span it if slow."""
    started = time.perf_counter_ns()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed = time.perf_counter_ns() - started
        tally = _tally.get()
        if tally is not None:
            tally.count += 1
            tally.nanoseconds += elapsed
        if elapsed >= _slow_ns and _tracer is not None:
            _slow_span(_tracer, sql, context["connection"].vendor, elapsed)


def _slow_span(tracer: Tracer, sql: Any, vendor: str, elapsed: int) -> None:
    end_ns = time.time_ns()
    text = sql if isinstance(sql, str) else str(sql)
    span = tracer.start_span(
        text.split(None, 1)[0].upper() if text.strip() else "statement",
        kind=SpanKind.CLIENT,
        start_time=end_ns - elapsed,
        attributes={DB_SYSTEM: vendor, DB_STATEMENT: text},
    )
    span.end(end_time=end_ns)


def _wrap(connection: Any) -> None:
    if timed_statement not in connection.execute_wrappers:
        connection.execute_wrappers.append(timed_statement)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    _wrap(connection)


def install(tracer: Tracer, *, slow_ms: float) -> None:
    """Wrap every connection, open and to come (called once, by tracing's configuration)."""
    global _tracer, _slow_ns
    _tracer = tracer
    _slow_ns = int(slow_ms * 1e6) if slow_ms > 0 else 2**63  # 0: the instrumentation spans
    connection_created.connect(_on_connection_created, dispatch_uid="seams.statements")
    for connection in connections.all(initialized_only=True):
        _wrap(connection)
