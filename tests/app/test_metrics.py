"""GET /metrics: Prometheus text with request counts and latencies by method, route, status
and module."""

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.app.urls")]


def samples(client, **headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def count(found, route, status, method="GET", module=""):
    labels = (("method", method), ("module", module), ("route", route), ("status", status))
    return found.get(("seams_http_requests_total", labels), 0.0)


def test_requests_are_counted_by_method_route_pattern_and_status():
    client = Client(raise_request_exception=False)
    before = samples(client)
    client.get("/healthz/")
    client.get("/healthz/")
    client.get("/test/orders/1/")
    client.get("/test/orders/2/")
    client.get("/test/boom/")
    client.get("/nowhere/")
    after = samples(client)

    assert count(after, "healthz/", "200") - count(before, "healthz/", "200") == 2
    # The route is the URL pattern, so ids do not multiply time series.
    pattern = "test/orders/<int:pk>/"
    assert (
        count(after, pattern, "200", module="orders")
        - count(before, pattern, "200", module="orders")
        == 2
    )
    assert count(after, "test/boom/", "500") - count(before, "test/boom/", "500") == 1
    assert count(after, "<unmatched>", "404") - count(before, "<unmatched>", "404") == 1

    histogram = ("method", "GET"), ("module", ""), ("route", "healthz/"), ("status", "200")
    assert after[("seams_http_request_duration_seconds_count", histogram)] >= 2
    inf_bucket = ("seams_http_request_duration_seconds_bucket", (("le", "+Inf"), *histogram))
    assert after[inf_bucket] == after[("seams_http_request_duration_seconds_count", histogram)]


def test_metrics_can_require_an_operator_token(settings):
    settings.METRICS_TOKEN = "s3cret-operator-token"
    client = Client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert samples(client, HTTP_AUTHORIZATION="Bearer s3cret-operator-token")


def test_metrics_only_answers_get():
    assert Client().post("/metrics").status_code == 405
