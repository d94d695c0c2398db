"""Tracing on OpenTelemetry: the SDK set up from the standard ``OTEL_*`` variables, the
maintained instrumentations (Django, Celery, psycopg, httpx), W3C ``traceparent`` helpers for
the seams the instrumentations do not see (events, outbox rows, the relay's hand-built
messages), and module-entry spans (ADR 0015).

- ``OTEL_SDK_DISABLED=true``: nothing is installed; the API's no-op provider answers and
  :func:`module_span` is a ``nullcontext`` (tracing off, next to no cost).
- ``OTEL_TRACES_EXPORTER`` (default ``none``; comma-separated ``otlp``, ``console``,
  ``none``): the SDK records spans (ids propagate and reach the logs) and exports them
  through a batch processor per exporter. SQL statements get no span of their own unless
  slow (``SEAMS_TRACE_SLOW_STATEMENT_MS``, :mod:`.statements`): each module-entry span
  counts its statements and their time instead; with ``none``, not even that (a
  statement's span is a leaf, never current while a line is logged and never propagated:
  with nothing exporting nobody can see it). A span per statement was most of what tracing
  cost a checkout (docs/benchmarks.md "Tracing"). The OTLP exporter reads its own
  ``OTEL_EXPORTER_OTLP_*`` variables; ``OTEL_TRACES_SAMPLER`` / ``OTEL_TRACES_SAMPLER_ARG``
  choose the sampler (default ``parentbased_always_on``); ``OTEL_SERVICE_NAME`` names the
  service (default ``seams``, or ``seams-<SEAMS_SERVICE>``);
  ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` leaves instrumentations out (``psycopg``...).

The batch processor re-creates its export thread after ``fork`` (the SDK registers an
``os.register_at_fork`` hook), so a provider set up before gunicorn or Celery forks exports
from every child.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from functools import lru_cache
from types import TracebackType
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.semconv.attributes.http_attributes import (
    HTTP_REQUEST_METHOD,
    HTTP_RESPONSE_STATUS_CODE,
    HTTP_ROUTE,
)
from opentelemetry.semconv.attributes.url_attributes import URL_PATH
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from app.kernel.observability import statements

# Attribute names of module-entry spans (after Spring Modulith's module.identifier and
# module.invocation-type).
MODULE = "seams.module"
KIND = "seams.module.entry"  # api, handler, task
FUNCTION = "seams.module.function"  # the api function, the handler or the task
EVENT = "seams.event"  # handlers: the event's name
DELIVERY = "seams.module.delivery"  # sync, after_commit, async, received, remote, task

EXPORTERS = ("otlp", "console", "none")

_propagator = TraceContextTextMapPropagator()
tracer = trace.get_tracer("seams")
# The SDK's own tracer once configured: module-entry spans start on it directly, not through
# the proxy's per-call delegation (docs/benchmarks.md "Remote module api call").
_sdk_tracer: Tracer = tracer
_enabled = False


def enabled() -> bool:
    """Whether this process records spans (the SDK is installed)."""
    return _enabled


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def exporter_names() -> list[str]:
    """``OTEL_TRACES_EXPORTER`` as a list (default ``none``); unknown names are an error."""
    names = [n.strip() for n in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",")]
    names = [n for n in names if n]
    unknown = sorted(set(names) - set(EXPORTERS))
    if unknown:
        raise ValueError(f"OTEL_TRACES_EXPORTER: unknown {unknown}; use {', '.join(EXPORTERS)}")
    return [n for n in names if n != "none"]


def disabled_instrumentations() -> set[str]:
    """``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` (the standard variable of OpenTelemetry's
    Python distribution): the instrumentations not installed, e.g. ``psycopg`` (no span per
    SQL statement: most of a checkout's spans). Names of other instrumentations are ignored."""
    names = os.environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "").split(",")
    return {name.strip() for name in names if name.strip()}


def left_out_instrumentations() -> set[str]:
    """The instrumentations not installed: :func:`disabled_instrumentations`, and psycopg
    unless spans are exported with every statement asked for (``statements``: its spans
    could only be exported, and slow statements get theirs for less)."""
    left_out = disabled_instrumentations()
    if not exporter_names() or not statements.every_statement():
        left_out.add("psycopg")
    return left_out


def configure_tracing(*, service: str = "") -> bool:
    """Install the SDK provider and the instrumentations, once per process (later calls do
    nothing). Returns whether tracing is on."""
    global _enabled, _sdk_tracer
    if _enabled or _truthy("OTEL_SDK_DISABLED"):
        return _enabled
    # imported here: a process with tracing off never loads the SDK or the instrumentations
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    from app.kernel.observability import django_tracing

    # The stable HTTP semantic conventions (url.path, http.request.method...), not the old
    # ones: those rebuild the URL with wsgiref, which fails on a non-Latin-1 path when the
    # server gives no RAW_URI (runserver, Django's test client).
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    attributes = {}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = f"seams-{service}" if service else "seams"
    provider = TracerProvider(resource=Resource.create(attributes))  # sampler: OTEL_TRACES_*
    for name in exporter_names():
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        else:
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    _sdk_tracer = provider.get_tracer("seams")
    if exporter_names():
        statements.install(_sdk_tracer, slow_ms=statements.slow_statement_ms())
    instrumentations = {
        "django": django_tracing.instrument,
        "celery": CeleryInstrumentor().instrument,
        "psycopg": lambda: PsycopgInstrumentor().instrument(enable_commenter=False),
        "httpx": HTTPXClientInstrumentor().instrument,
    }
    for name in set(instrumentations) - left_out_instrumentations():
        instrumentations[name]()
    _enabled = True
    return True


# -- W3C trace context ----------------------------------------------------------------------
def traceparent_of(span: Span | None = None) -> str | None:
    """The ``traceparent`` of ``span`` (default: the current span), or ``None`` when there is
    no valid span (tracing off and no trace context received)."""
    span = span or trace.get_current_span()
    if not span.get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent")


def current_traceparent() -> str | None:
    """The trace context of the running code: what events and outbox rows carry."""
    return traceparent_of()


def context_of(traceparent: str | None) -> otel_context.Context:
    """The OpenTelemetry context a ``traceparent`` names (empty for none or an invalid one)."""
    if not traceparent:
        return otel_context.Context()
    return _propagator.extract({"traceparent": traceparent})


def context_of_request(meta: Mapping[str, Any]) -> otel_context.Context:
    """The OpenTelemetry context a WSGI request received (its ``environ``, or Django's
    ``request.META``: read without parsing every header into ``request.headers``)."""
    carrier = {name: meta.get(f"HTTP_{name.upper()}") for name in ("traceparent", "tracestate")}
    return _propagator.extract({name: value for name, value in carrier.items() if value})


def trace_id_of(traceparent: str | None) -> int:
    """The trace id in a ``traceparent`` (0 for none or an invalid one)."""
    return trace.get_current_span(context_of(traceparent)).get_span_context().trace_id


@contextlib.contextmanager
def continued(traceparent: str | None) -> Iterator[None]:
    """Run the block under the span ``traceparent`` names, unless the current span is the
    consumer span that continued it (the Celery instrumentation's task run span, a child of
    the relay's span in the same trace). Any other current span, even of the same trace (a
    request whose after-commit deliveries run in it), is not the delivery's parent."""
    current = trace.get_current_span()
    consuming = getattr(current, "kind", None) is SpanKind.CONSUMER
    same = current.get_span_context().trace_id == trace_id_of(traceparent)
    if not traceparent or (consuming and same):
        yield
        return
    token = otel_context.attach(context_of(traceparent))
    try:
        yield
    finally:
        otel_context.detach(token)


def inject_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add the current trace context (``traceparent``, ``tracestate``) to ``headers``."""
    _propagator.inject(headers)
    return headers


# -- module-entry spans ---------------------------------------------------------------------
_NO_SPAN = contextlib.nullcontext()  # stateless: one for every entry while tracing is off


@lru_cache(maxsize=4096)
def _entry(
    module: str, entry: str, function: str, delivery: str, event: str | None
) -> tuple[str, dict[str, str]]:
    """The name and attributes of one kind of module entry, built once (the SDK copies the
    attributes into each span)."""
    attributes = {MODULE: module, KIND: entry, FUNCTION: function, DELIVERY: delivery}
    if event is not None:
        attributes[EVENT] = event
    return f"{module}.{function}", attributes


class CurrentSpan:
    """A span on the SDK's tracer, current for the block, ended at its exit; an exception
    is recorded on it and sets its status to error (as ``start_as_current_span`` does). A
    class, not the SDK's three nested generator context managers through the proxy tracer:
    it runs for every api call, handler, task and internal call."""

    __slots__ = ("span", "tally", "token")

    def __init__(
        self,
        name: str,
        attributes: dict[str, Any],
        *,
        kind: SpanKind = SpanKind.INTERNAL,
        context: otel_context.Context | None = None,
    ) -> None:
        self.span = _sdk_tracer.start_span(name, context, kind, attributes)

    def __enter__(self) -> Span:
        self.token = otel_context.attach(trace.set_span_in_context(self.span))
        self.tally = statements.begin() if statements.counting() else None
        return self.span

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        otel_context.detach(self.token)
        if self.tally is not None and (tallied := statements.end(self.tally)):
            self.span.set_attributes(tallied)
        if isinstance(error, Exception):  # not GeneratorExit, KeyboardInterrupt...
            self.span.record_exception(error)
            self.span.set_status(Status(StatusCode.ERROR, f"{kind.__name__}: {error}"))
        self.span.end()


def module_span(
    module: str, entry: str, function: str, delivery: str, *, event: str | None = None
) -> contextlib.AbstractContextManager[Any]:
    """A span for an entry into ``module``'s code (named ``<module>.<function>``): an api
    call, an event handler or a task; a ``nullcontext`` while tracing is off."""
    if not _enabled:
        return _NO_SPAN
    return CurrentSpan(*_entry(module, entry, function, delivery, event))


class ServerSpan(CurrentSpan):
    """The ``SERVER`` span of a call from another service, continuing the W3C trace context
    its ``environ`` carries, with the method, path, route and status, and nothing else (not
    the Django instrumentation's span: it collects every request attribute on each request,
    which on an internal call cost more CPU than the call's own work, ADR 0006).

    Named ``<method> <route>``; once the call has :meth:`entered` a module's api, the span is
    that module-entry span too (``<module>.<function>``, delivery ``remote``): one span per
    remote call, not a server span with the entry inside (ADR 0022)."""

    __slots__ = ("method", "module")

    def __init__(self, method: str, path: str, environ: Mapping[str, Any]) -> None:
        super().__init__(
            method,
            {HTTP_REQUEST_METHOD: method, URL_PATH: path},
            kind=SpanKind.SERVER,
            context=context_of_request(environ),
        )
        self.method = method
        self.module: str | None = None

    def entered(self, module: str, function: str) -> None:
        """The call runs ``module``'s api ``function``."""
        name, attributes = _entry(module, "api", function, "remote", None)
        self.span.update_name(name)
        self.span.set_attributes(attributes)
        self.module = module

    def answered(self, route: str | None, status: int) -> None:
        """Record the outcome (a 5xx is an error), and the route."""
        span = self.span
        if route:
            if self.module is None:
                span.update_name(f"{self.method} {route}")
            span.set_attribute(HTTP_ROUTE, route)
        span.set_attribute(HTTP_RESPONSE_STATUS_CODE, status)
        if status >= 500:
            span.set_status(StatusCode.ERROR)


class Untraced:
    """:func:`server_span` while tracing is off: the same calls, doing nothing."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None

    def entered(self, module: str, function: str) -> None:
        return None

    def answered(self, route: str | None, status: int) -> None:
        return None


_UNTRACED = Untraced()


def server_span(method: str, path: str, environ: Mapping[str, Any]) -> ServerSpan | Untraced:
    """The :class:`ServerSpan` of a call from another service; a no-op while tracing is off."""
    if not _enabled:
        return _UNTRACED
    return ServerSpan(method, path, environ)


def producer_span(name: str, traceparent: str | None, **attributes: Any) -> Span:
    """A started (not current) ``PRODUCER`` span in the trace ``traceparent`` names, for a
    message sent on its behalf; the caller ends it."""
    return tracer.start_span(
        name, context=context_of(traceparent), kind=SpanKind.PRODUCER, attributes=attributes
    )
