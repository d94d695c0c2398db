"""A call from another service (``/internal/api/``) gets one lean server span in the
caller's trace, not the Django instrumentation's span, and that span is the module entry."""

from __future__ import annotations

import httpx
from opentelemetry.trace import SpanKind

from app.kernel.observability import tracing
from app.kernel.remote import client
from tests.kernel.remote.test_handler import signed_post
from tests.kernel.remote.throwaway import load

load("rmtest")
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


def served() -> httpx.Client:
    transport = httpx.WSGITransport(app=client.in_process_application())
    return httpx.Client(transport=transport, base_url="http://service.internal")


def test_an_internal_call_is_one_server_span_in_the_callers_trace_entering_the_module(spans):
    with served() as http:
        response = signed_post(
            http,
            "/internal/api/rmtest/item_get/",
            {"name": "x"},
            traceparent=f"00-{CALLER_TRACE}-{CALLER_SPAN}-01",
        )
    assert response.status_code == 200
    (server,) = spans.get_finished_spans()
    assert server.kind is SpanKind.SERVER
    assert server.name == "rmtest.item_get"
    assert format(server.context.trace_id, "032x") == CALLER_TRACE
    assert format(server.parent.span_id, "016x") == CALLER_SPAN
    assert server.attributes["http.route"] == "internal/api/<str:module>/<str:function>/"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["url.path"] == "/internal/api/rmtest/item_get/"
    assert server.attributes[tracing.MODULE] == "rmtest"
    assert server.attributes[tracing.KIND] == "api"
    assert server.attributes[tracing.FUNCTION] == "item_get"
    assert server.attributes[tracing.DELIVERY] == "remote"


def test_a_call_that_reaches_no_function_is_named_by_its_route(spans):
    with served() as http:
        response = signed_post(http, "/internal/api/rmtest/nothing_here/", {})
    assert response.status_code == 404
    (server,) = spans.get_finished_spans()
    assert server.name == "POST internal/api/<str:module>/<str:function>/"
    assert tracing.MODULE not in server.attributes


def test_an_internal_call_that_fails_is_an_error_span(spans):
    with served() as http:
        response = signed_post(http, "/internal/api/rmtest/orm_object/", {})
    assert response.status_code == 500
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert not server.status.is_ok
    assert server.attributes["http.response.status_code"] == 500
