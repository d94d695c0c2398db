"""The internal endpoint: what it serves, how it answers, what the callee side sees."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from app.kernel import topology
from app.kernel.observability.tracing import trace_id_of, traceparent_of, tracer
from app.kernel.remote import client, signing
from tests.kernel.http.auth import assert_problem
from tests.kernel.remote.conftest import in_process_transport
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")


def call(path: str, body: object):
    data = json.dumps(body).encode()
    return Client().post(
        path,
        data=data,
        content_type="application/json",
        HTTP_SEAMS_SIGNATURE=signing.sign("POST", path, data),
    )


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


def test_only_post_is_allowed():
    path = "/internal/api/rmtest/note_add/"
    response = Client().get(path, HTTP_SEAMS_SIGNATURE=signing.sign("GET", path, b""))
    assert_problem(response, 405)
    assert response["Allow"] == "POST"


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
    path = "/internal/api/rmtest/note_add/"
    response = Client().post(
        path,
        data=b"{nope",
        content_type="application/json",
        HTTP_SEAMS_SIGNATURE=signing.sign("POST", path, b"{nope"),
    )
    assert_problem(response, 400)


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
