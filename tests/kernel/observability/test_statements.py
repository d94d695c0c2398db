"""Statements in traces without a span each (ADR 0015, amended 2026-12-03): while spans are
exported, each module-entry span carries how many statements its own code ran and how long
they took, and a statement slower than ``SEAMS_TRACE_SLOW_STATEMENT_MS`` gets a span of its
own, under the span it ran in, with its SQL and never its parameters.

The process's provider exports nothing in tests, so each test turns the wrapper on for its
connection, as the configuration does for every connection when an exporter is set."""

from __future__ import annotations

import pytest
from django.db import connection
from opentelemetry.trace import SpanKind

from app.kernel.observability import statements, tracing

pytestmark = pytest.mark.django_db


@pytest.fixture
def timed(monkeypatch):
    """The statement wrapper on for this test, with a slow threshold of ``slow_ns``."""

    def on(slow_ns: int = 2**62) -> None:
        monkeypatch.setattr(statements, "_tracer", tracing._sdk_tracer)
        monkeypatch.setattr(statements, "_slow_ns", slow_ns)

    with connection.execute_wrapper(statements.timed_statement):
        yield on


def run(sql: str, params: list | None = None, times: int = 1) -> None:
    with connection.cursor() as cursor:
        for _ in range(times):
            cursor.execute(sql, params)


def finished(spans, name: str):
    (span,) = [s for s in spans.get_finished_spans() if s.name == name]
    return span


def test_each_module_span_counts_the_statements_of_its_own_code(spans, timed):
    timed()
    with tracing.module_span("orders", "handler", "saga_start", "async"):
        run("SELECT 1", times=3)
        with tracing.module_span("inventory", "api", "stock_reserve", "sync"):
            run("SELECT 2", times=2)
        with tracing.module_span("payments", "api", "balance_get", "sync"):
            pass
    outer, inner = finished(spans, "orders.saga_start"), finished(spans, "inventory.stock_reserve")
    assert outer.attributes[statements.STATEMENTS] == 3  # not the inventory call's two
    assert inner.attributes[statements.STATEMENTS] == 2
    assert 0 < inner.attributes[statements.TIME_MS] < (inner.end_time - inner.start_time) / 1e6
    idle = finished(spans, "payments.balance_get")
    assert statements.STATEMENTS not in idle.attributes  # ran none: nothing added
    assert not [s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT]  # none slow


def test_a_slow_statement_gets_a_span_in_the_span_it_ran_under(spans, timed):
    timed(slow_ns=1)  # every statement is slow
    with tracing.module_span("payments", "api", "payment_capture", "sync") as entry:
        run("SELECT %s", [4242])
    statement = finished(spans, "SELECT")
    assert statement.kind is SpanKind.CLIENT
    assert statement.parent.span_id == entry.get_span_context().span_id
    assert dict(statement.attributes) == {
        statements.DB_SYSTEM: connection.vendor,
        statements.DB_STATEMENT: "SELECT %s",  # the parameters stay out
    }
    module = finished(spans, "payments.payment_capture")
    assert module.start_time <= statement.start_time < statement.end_time <= module.end_time


def test_no_span_and_no_count_while_the_wrapper_is_off(spans):
    with tracing.module_span("orders", "handler", "saga_start", "async"):
        run("SELECT 1")
    assert statements.STATEMENTS not in finished(spans, "orders.saga_start").attributes
    assert [s.name for s in spans.get_finished_spans()] == ["orders.saga_start"]


@pytest.mark.parametrize(
    ("raw", "ms"), [("", 100.0), ("250", 250.0), ("0", 0.0), ("2.5", 2.5)]
)  # fmt: skip
def test_the_threshold_is_read_from_the_environment(monkeypatch, raw, ms):
    monkeypatch.setenv("SEAMS_TRACE_SLOW_STATEMENT_MS", raw)
    assert statements.slow_statement_ms() == ms
    assert statements.every_statement() is (ms == 0)


@pytest.mark.parametrize("raw", ["-1", "fast", "nan"])
def test_a_threshold_that_is_not_a_duration_is_refused(monkeypatch, raw):
    monkeypatch.setenv("SEAMS_TRACE_SLOW_STATEMENT_MS", raw)
    with pytest.raises(ValueError, match="SEAMS_TRACE_SLOW_STATEMENT_MS"):
        statements.slow_statement_ms()
