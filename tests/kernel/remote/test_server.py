"""The internal endpoint: what it serves, how it answers, what the callee side sees.

Requests go to the service's WSGI application as granian and gunicorn serve it (through
httpx's WSGI transport): the endpoint is not in Django's URL map.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import structlog
from django.core.signals import request_finished, request_started
from drf_spectacular.generators import SchemaGenerator
from prometheus_client import REGISTRY

from app.kernel import topology
from app.kernel.observability.tracing import trace_id_of, traceparent_of, tracer
from app.kernel.remote import client, server, signing
from tests.kernel.http.auth import access_token, assert_problem
from tests.kernel.remote.conftest import in_process_transport
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")


def send(method: str, path: str, data: bytes, **headers: str | None) -> httpx.Response:
    """A request to the service's application, signed unless ``Seams-Signature`` is given
    (``None``: no signature)."""
    headers.setdefault(signing.HEADER, signing.sign(method, path, data))
    sent = {"Content-Type": "application/json"}
    sent.update({name: value for name, value in headers.items() if value is not None})
    with httpx.Client(transport=in_process_transport(), base_url="http://service.internal") as http:
        return http.request(method, path, content=data, headers=sent)


def call(path: str, body: object) -> httpx.Response:
    return send("POST", path, json.dumps(body).encode())


def test_a_typed_error_is_a_200_error_envelope():
    response = call("/internal/api/rmtest/item_get/", {"name": "x"})
    assert response.status_code == 200
    assert response.json() == {"error": {"type": "ItemMissingError", "message": "no item 'x'"}}


@pytest.mark.parametrize(
    "path",
    [
        "/internal/api/rmtest/nothing_here/",  # no such function
        "/internal/api/rmtest/CALLS/",  # a name in the api file, not an @module_api function
        "/internal/api/nosuchmodule/note_add/",
    ],
)
def test_unknown_functions_are_404(path):
    assert "No api function" in assert_problem(call(path, {}), 404)["detail"]


@pytest.mark.django_db
def test_a_module_this_service_does_not_host_is_404(settings):
    settings.SEAMS_TOPOLOGY, settings.SEAMS_SERVICE = "split", "payments"
    topology.reset()
    assert_problem(call("/internal/api/inventory/availability/", {"skus": ["A"]}), 404)
    assert call("/internal/api/payments/balance_get/", {"customer_id": 1}).status_code != 404


@pytest.mark.parametrize(
    "path",
    ["/internal/api/rmtest/", "/internal/api/rmtest/note_add/x/", "/internal/api/rmtest/note-add/"],
)
def test_a_path_outside_the_route_is_404_and_nothing_runs(path):
    rmtest.CALLS.clear()
    assert_problem(call(path, {"text": "x"}), 404)
    assert rmtest.CALLS == []


@pytest.mark.django_db
@pytest.mark.parametrize("is_staff", [False, True], ids=["customer", "staff"])
def test_a_token_staff_or_not_does_not_get_past_the_signature(is_staff):
    rmtest.CALLS.clear()
    token = access_token(user_id=1, is_staff=is_staff)
    response = send(
        "POST",
        "/internal/api/rmtest/note_add/",
        b'{"text": "x"}',
        **{signing.HEADER: None, "Authorization": f"Bearer {token}"},
    )
    assert_problem(response, 401)
    assert rmtest.CALLS == []


def test_only_post_is_allowed():
    response = send("GET", "/internal/api/rmtest/note_add/", b"")
    assert_problem(response, 405)
    assert response.headers["Allow"] == "POST"


def test_a_body_over_the_upload_limit_is_413_and_nothing_runs(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64
    rmtest.CALLS.clear()
    assert_problem(call("/internal/api/rmtest/note_add/", {"text": "x" * 100}), 413)
    assert rmtest.CALLS == []


def test_a_call_runs_inside_djangos_request_signals():
    """What recycles database connections and starts the embedded dispatcher on Django's
    request path runs for an api call too: once before it, once after."""
    seen: list[str] = []

    def started(**kwargs):
        seen.append("started")

    def finished(**kwargs):
        seen.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        rmtest.CALLS.clear()
        assert call("/internal/api/rmtest/note_add/", {"text": "hi"}).status_code == 200
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert seen == ["started", "finished"]
    assert rmtest.CALLS == ["hi"]


def test_a_call_is_counted_and_logged_once_as_the_callee_module(caplog):
    labels = {"method": "POST", "route": server.ROUTE, "status": "200", "module": "rmtest"}

    def count() -> float:
        return REGISTRY.get_sample_value("seams_http_requests_total", labels) or 0.0

    before = count()
    with caplog.at_level(logging.INFO, logger="seams.request"):
        response = send(
            "POST", "/internal/api/rmtest/item_get/", b'{"name": "x"}', **{"X-Request-ID": "r-7"}
        )
    assert response.status_code == 200
    assert count() == before + 1
    (line,) = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    assert line["event"] == "request"
    assert line["request_id"] == "r-7"
    assert (line["path"], line["status"], line["module"]) == (
        "/internal/api/rmtest/item_get/",
        200,
        "rmtest",
    )


@pytest.mark.parametrize(
    "body",
    [{"text": 3}, {}, {"text": "x", "extra": 1}, ["text"]],
    ids=["wrong type", "missing", "unknown argument", "not an object"],
)
def test_arguments_that_do_not_fit_are_400_and_nothing_runs(body):
    rmtest.CALLS.clear()
    problem = assert_problem(call("/internal/api/rmtest/note_add/", body), 400)
    assert problem["errors"]
    assert rmtest.CALLS == []


def test_malformed_json_is_400():
    assert_problem(send("POST", "/internal/api/rmtest/note_add/", b"{nope"), 400)


def test_an_unexpected_exception_is_a_logged_500(caplog):
    # caplog, not structlog's capture_logs: that misses a logger cached before it (the
    # production configuration caches them), so it passed or failed with the test order
    with caplog.at_level(logging.ERROR, logger="seams.remote"):
        response = call("/internal/api/rmtest/broken/", {})
    assert "logged" in assert_problem(response, 500)["detail"]
    assert any(
        isinstance(record.msg, dict)
        and record.msg.get("event") == "remote call raised"
        and record.msg.get("function") == "rmtest.broken"
        and record.exc_info is not None
        for record in caplog.records
    )


def test_a_result_that_cannot_cross_is_a_500_on_the_server():
    assert_problem(call("/internal/api/rmtest/orm_object/", {}), 500)


def test_the_internal_endpoint_is_not_in_the_public_api_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["paths"]
    assert not [path for path in schema["paths"] if "internal" in path]


def test_the_callee_runs_as_its_module_with_the_callers_request_id_and_trace(rmtest_remote):
    client.configure(in_process_transport())
    structlog.contextvars.bind_contextvars(request_id="caller-req-42")
    try:
        with tracer.start_as_current_span("caller") as span:
            caller_trace = traceparent_of(span)
            seen = rmtest.seen()
    finally:
        structlog.contextvars.clear_contextvars()
    assert seen.module == "rmtest"
    assert seen.request_id == "caller-req-42"
    assert trace_id_of(seen.traceparent) == trace_id_of(caller_trace) != 0  # the same trace
    assert seen.traceparent != caller_trace  # a span of its own


def test_an_internal_call_is_logged_by_the_callee_not_again_by_the_client_library():
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("seams.request").isEnabledFor(logging.INFO)


def test_a_malformed_content_length_is_400_before_anything_is_read():
    answered: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/internal/api/rmtest/note_add/",
        "CONTENT_LENGTH": "twelve",
        "wsgi.input": None,  # reading it would fail
    }
    endpoint = client.InProcessApp(server.ApiEndpoint())  # the test's connections left alone
    body = b"".join(endpoint(environ, lambda status, headers: answered.append(status)))
    assert answered == ["400 Bad Request"]
    assert json.loads(body)["type"] == "urn:seams:problem:malformed-request"
