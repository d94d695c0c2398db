"""Every request is logged exactly once; production lines are JSON with the fields we query."""

import io
import json
import logging

import pytest
import structlog
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from app.kernel.observability.logging import configure_logging
from app.kernel.ownership import acting_as

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.app.urls")]


@pytest.fixture
def log_lines(settings):
    """Reconfigure logging as ``fmt`` into a buffer; yields a reader of the lines written."""
    buffers = []

    def start(fmt: str):
        configure_logging(level="INFO", fmt=fmt)
        buffer = io.StringIO()
        for handler in logging.getLogger().handlers:
            handler.setStream(buffer)
        buffers.append(buffer)
        return lambda: buffer.getvalue().splitlines()

    yield start
    configure_logging(level=settings.LOG_LEVEL, fmt=settings.LOG_FORMAT)


def request_lines(records):
    return [r for r in records if r.get("event") == "request"]


def test_production_lines_are_json_with_the_documented_keys(log_lines):
    read = log_lines("json")
    response = Client().get("/healthz/", HTTP_X_REQUEST_ID="req-42")

    records = [json.loads(line) for line in read()]  # every line parses
    [line] = request_lines(records)
    assert {"timestamp", "level", "event", "request_id", "method", "path", "status"} <= set(line)
    assert line["level"] == "info"
    assert line["method"] == "GET" and line["path"] == "/healthz/" and line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["request_id"] == "req-42" == response["X-Request-ID"]
    assert line["timestamp"].endswith("Z")


def test_each_request_is_logged_exactly_once_whatever_its_outcome(log_lines):
    read = log_lines("json")
    client = Client(raise_request_exception=False)
    answers = [
        client.get("/healthz/"),
        client.get("/no/such/page/"),  # 404 outside DRF
        client.get("/healthz"),  # 301 from APPEND_SLASH
        client.post("/healthz/"),
        client.get("/test/boom/"),  # 500: the traceback is logged once more, as an error
        client.get("/metrics"),
    ]

    records = [json.loads(line) for line in read()]
    lines = request_lines(records)
    assert [(r["path"], r["status"]) for r in lines] == [
        ("/healthz/", 200),
        ("/no/such/page/", 404),
        ("/healthz", 301),
        ("/healthz/", 200),
        ("/test/boom/", 500),
        ("/metrics", 200),
    ]
    assert [a.status_code for a in answers] == [r["status"] for r in lines]
    assert len({r["request_id"] for r in lines}) == len(lines)
    errors = [r for r in records if r["level"] == "error"]
    assert len(errors) == 1
    [exception] = errors[0]["exception"]
    assert exception["exc_type"] == "RuntimeError" and exception["exc_value"] == "boom"
    assert "locals" not in json.dumps(errors[0])  # no local variables (secrets) in logs


def test_lines_logged_during_a_request_carry_its_id_and_module(log_lines):
    read = log_lines("json")
    Client().get("/test/orders/7/", HTTP_X_REQUEST_ID="abc")

    records = [json.loads(line) for line in read()]
    [looked_up] = [r for r in records if r["event"] == "order looked up"]
    assert looked_up["request_id"] == "abc"
    assert looked_up["module"] == "orders"
    assert looked_up["order_id"] == 7
    [line] = request_lines(records)
    assert line["module"] == "orders"
    assert line["request_id"] == "abc"


def test_an_authenticated_request_logs_the_user_id_without_a_user_query(
    log_lines, django_assert_num_queries
):
    user = get_user_model().objects.create_user(email="log@example.com", password="x-long-pw-1")
    token = str(AccessToken.for_user(user))
    read = log_lines("json")
    with django_assert_num_queries(0):
        Client().get("/test/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        Client().get("/healthz/")

    first, second = request_lines([json.loads(line) for line in read()])
    assert str(first["user_id"]) == str(user.id)  # a token claim, not a database read
    assert "user_id" not in second


def test_a_forged_request_id_is_replaced(log_lines):
    read = log_lines("json")
    response = Client().get("/healthz/", HTTP_X_REQUEST_ID='x" injected\nline')
    [line] = request_lines([json.loads(line) for line in read()])
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32  # a fresh uuid4 hex


def test_module_is_bound_outside_requests_too(log_lines):
    read = log_lines("json")
    with acting_as("payments"):
        structlog.get_logger("seams.test").info("wallet charged")
    structlog.get_logger("seams.test").info("no module here")
    logging.getLogger("celery.worker").info("stdlib line")

    first, second, third = (json.loads(line) for line in read())
    assert first["module"] == "payments"
    assert "module" not in second
    assert third["event"] == "stdlib line" and third["logger"] == "celery.worker"
    assert third["level"] == "info" and "timestamp" in third


def test_development_lines_are_readable_console_text(log_lines):
    read = log_lines("console")
    Client().get("/healthz/")
    [line] = [line for line in read() if "request" in line]
    assert not line.startswith("{")
    assert "method=GET" in line and "path=/healthz/" in line and "status=200" in line


def test_development_tracebacks_are_plain_without_local_variables(log_lines):
    read = log_lines("console")
    secret = "hunter2-password"  # noqa: F841 - a local a rich traceback would print
    try:
        raise ValueError("bad input")
    except ValueError:
        structlog.get_logger("seams.test").exception("failed")
    text = "\n".join(read())
    assert "Traceback (most recent call last):" in text
    assert "ValueError: bad input" in text
    assert "hunter2" not in text


def test_request_joins_the_callers_trace_and_logs_it(log_lines):
    read = log_lines("json")
    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    Client().get("/healthz/", HTTP_TRACEPARENT=caller)
    Client().get("/healthz/", HTTP_TRACEPARENT="not-a-trace")

    joined, fresh = request_lines([json.loads(line) for line in read()])
    assert joined["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert joined["span_id"] != "00f067aa0ba902b7"  # the request's own span in that trace
    assert len(fresh["trace_id"]) == 32 and fresh["trace_id"] != joined["trace_id"]
