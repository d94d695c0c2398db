"""A module-entry span: named and attributed after the entry, the current span inside its
block (so what the code does nests under it), ended at the exit, and marked as an error,
with the exception recorded, when the module's code raises."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace import StatusCode

from app.kernel.observability import tracing


def test_the_span_is_current_inside_and_nests_under_the_caller(spans):
    with tracing.tracer.start_as_current_span("caller") as caller:
        with tracing.module_span("orders", "handler", "saga_start", "async", event="E") as span:
            assert trace.get_current_span() is span
        assert trace.get_current_span() is caller
    (entry,) = [s for s in spans.get_finished_spans() if s.name == "orders.saga_start"]
    assert entry.parent.span_id == caller.get_span_context().span_id
    assert dict(entry.attributes) == {
        tracing.MODULE: "orders",
        tracing.KIND: "handler",
        tracing.FUNCTION: "saga_start",
        tracing.DELIVERY: "async",
        tracing.EVENT: "E",
    }
    assert entry.status.status_code == StatusCode.UNSET


def test_an_exception_in_the_module_marks_its_span_as_an_error(spans):
    with (
        pytest.raises(ValueError, match="declined"),
        tracing.module_span("payments", "api", "payment_capture", "sync"),
    ):
        raise ValueError("declined")
    assert not trace.get_current_span().get_span_context().is_valid  # context restored
    (entry,) = spans.get_finished_spans()
    assert entry.status.status_code == StatusCode.ERROR
    assert entry.status.description == "ValueError: declined"
    (event,) = entry.events
    assert event.name == "exception" and event.attributes["exception.message"] == "declined"
