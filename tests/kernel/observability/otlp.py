"""An OTLP/HTTP trace receiver for tests with real processes: each process exports its spans
to it (``OTEL_TRACES_EXPORTER=otlp``, ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=receiver.endpoint``),
the test reads them back as one trace with the spans this process kept in memory."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from app.kernel.observability import tracing

# statement spans of the psycopg instrumentation, left out of a rendered tree
SQL = frozenset(
    {"SELECT", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "NOTIFY"}
)


class Node(NamedTuple):
    service: str
    name: str
    parent: int | None
    start: int  # ns since the epoch
    entry: str  # module-entry spans: "(api, remote)"; else ""


Tree = dict[int, Node]  # span id → its node


def _entry(attributes: dict) -> str:
    kind = attributes.get(tracing.KIND)
    return f"({kind}, {attributes.get(tracing.DELIVERY)})" if kind else ""


class Receiver(ThreadingHTTPServer):
    """Keeps (service, span) of every export it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Export)
        self.spans: list[tuple[str, object]] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/traces"

    def exporting_env(self, service: str) -> dict[str, str]:
        """The environment that makes a process export every span here as ``service``."""
        return {
            "OTEL_SDK_DISABLED": "false",
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": self.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_SERVICE_NAME": service,
        }

    def spans_of(self, trace_id: int) -> list:
        """The spans of ``trace_id`` exported so far (OTLP ``Span`` messages)."""
        with self.lock:
            return [s for _, s in self.spans if int.from_bytes(s.trace_id) == trace_id]

    def tree(self, trace_id: int) -> Tree:
        """The spans of ``trace_id`` exported so far."""
        with self.lock:
            found = list(self.spans)
        return {
            int.from_bytes(s.span_id): Node(
                service,
                s.name,
                int.from_bytes(s.parent_span_id) if s.parent_span_id else None,
                s.start_time_unix_nano,
                _entry({a.key: a.value.string_value for a in s.attributes}),
            )
            for service, s in found
            if int.from_bytes(s.trace_id) == trace_id
        }


class _Export(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope in resource_spans.scope_spans:
                    self.server.spans += [(service, span) for span in scope.spans]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def in_memory_tree(spans, trace_id: int, service: str) -> Tree:
    """The spans of ``trace_id`` this process's in-memory exporter holds, as ``service``."""
    return {
        s.context.span_id: Node(
            service,
            s.name,
            s.parent.span_id if s.parent else None,
            s.start_time,
            _entry(dict(s.attributes)),
        )
        for s in spans.get_finished_spans()
        if s.context.trace_id == trace_id
    }


def orphans(tree: Tree) -> list[str]:
    """Names of the spans whose parent is not in ``tree`` (one, the request's, when the
    trace is whole)."""
    return [node.name for node in tree.values() if node.parent not in tree]


def chain(tree: Tree, span_id: int) -> list[tuple[str, str]]:
    """(service, name) from ``span_id`` up to the root of ``tree``."""
    links = []
    while span_id in tree:
        node = tree[span_id]
        links.append((node.service, node.name))
        span_id = node.parent
    return links


def span_named(tree: Tree, name: str) -> int:
    (span_id,) = [i for i, node in tree.items() if node.name == name]
    return span_id


def render(tree: Tree, *, leave_out: frozenset[str] = SQL) -> str:
    """The trace as an indented tree, children in the order they started, one
    ``name  (entry, delivery)  [service]`` line per span (``leave_out``: span names not
    shown, by default the SQL statements')."""
    children: dict[int | None, list[int]] = {}
    for span_id in sorted(tree, key=lambda i: tree[i].start):
        parent = tree[span_id].parent
        children.setdefault(parent if parent in tree else None, []).append(span_id)
    lines = []

    def walk(span_id: int, depth: int) -> None:
        node = tree[span_id]
        if node.name in leave_out:
            return
        entry = f"  {node.entry}" if node.entry else ""
        lines.append(f"{'  ' * depth}{node.name}{entry}  [{node.service}]")
        for child in children.get(span_id, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return "\n".join(lines)
