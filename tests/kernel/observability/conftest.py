"""Spans finished in this process, collected while a test asks for them (``spans``); an
OTLP/HTTP receiver for the spans of other processes (``receiver``)."""

from __future__ import annotations

import threading

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.kernel.observability import tracing
from tests.kernel.observability.otlp import Receiver


class _WhileCollecting(SpanProcessor):
    """Passes finished spans to the in-memory exporter only while a test collects them (the
    provider is the process's, for the whole session; other tests pay nothing)."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.inner = SimpleSpanProcessor(exporter)
        self.on = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.on:
            self.inner.on_end(span)


@pytest.fixture(scope="session")
def _collector() -> tuple[_WhileCollecting, InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    assert tracing.enabled() and isinstance(provider, TracerProvider), "tracing is off"
    exporter = InMemorySpanExporter()
    processor = _WhileCollecting(exporter)
    provider.add_span_processor(processor)
    return processor, exporter


@pytest.fixture
def spans(_collector):
    """The in-memory exporter, collecting for this test only."""
    processor, exporter = _collector
    exporter.clear()
    processor.on = True
    yield exporter
    processor.on = False
    exporter.clear()


@pytest.fixture(scope="module")
def receiver():
    """An OTLP/HTTP receiver in a thread of this process (:class:`.otlp.Receiver`)."""
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
