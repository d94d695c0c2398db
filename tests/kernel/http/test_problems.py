"""The API edge: every error is RFC 9457 problem details, throttles answer 429 + Retry-After."""

import logging

import pytest
from django.core.cache import cache
from django.urls import include, path
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient

from app.kernel.http.parsing import StrictSerializer, validated
from app.kernel.http.problems import PROBLEM_CONTENT_TYPE, flatten_errors
from app.kernel.http.throttles import AuthRateThrottle


class _Line(serializers.Serializer):
    sku = serializers.CharField(max_length=20)
    quantity = serializers.IntegerField(min_value=1, max_value=1000)


class _Body(StrictSerializer):
    name = serializers.CharField(max_length=10)
    items = _Line(many=True)


@api_view(["POST"])
@permission_classes([AllowAny])
def _echo(request):
    return Response(validated(_Body, request.data), status=201)


@api_view(["GET"])
@permission_classes([AllowAny])
def _boom(request):
    raise RuntimeError("kaboom-internal-detail")


@api_view(["GET"])
def _private(request):
    return Response({"ok": True})


@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([AuthRateThrottle])
def _login_like(request):
    return Response({"ok": True})


_test_patterns = [
    path("echo/", _echo),
    path("boom/", _boom),
    path("private/", _private),
    path("login/", _login_like),
]

urlpatterns = [
    path("t/", include(_test_patterns)),
    path("", include("app.urls")),
]
handler400 = "app.kernel.http.problems.bad_request"
handler403 = "app.kernel.http.problems.permission_denied"
handler404 = "app.kernel.http.problems.not_found"
handler500 = "app.kernel.http.problems.server_error"


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient(raise_request_exception=False)


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:seams:problem:")
    assert body["title"]
    assert body["detail"]
    return body


def test_valid_body_passes(api):
    response = api.post(
        "/t/echo/", {"name": "x", "items": [{"sku": "A", "quantity": 1}]}, format="json"
    )
    assert response.status_code == 201


def test_malformed_json_is_400_problem(api):
    response = api.post("/t/echo/", data='{"name": ', content_type="application/json")
    body = assert_problem(response, 400)
    assert body["type"] == "urn:seams:problem:malformed-request"


def test_deeply_nested_json_is_400_not_500(api):
    response = api.post("/t/echo/", data="[" * 100_000, content_type="application/json")
    body = assert_problem(response, 400)
    assert body["type"] == "urn:seams:problem:malformed-request"


def test_invalid_utf8_is_400(api):
    response = api.post("/t/echo/", data=b'{"name": "\xff"}', content_type="application/json")
    assert_problem(response, 400)


def test_json_array_instead_of_object_is_400(api):
    response = api.post("/t/echo/", data="[1, 2]", content_type="application/json")
    body = assert_problem(response, 400)
    assert "non_field_errors" in body["errors"]


def test_missing_and_wrong_typed_fields_are_listed(api):
    response = api.post("/t/echo/", {"items": [{"sku": "A", "quantity": "many"}]}, format="json")
    body = assert_problem(response, 400)
    assert body["type"] == "urn:seams:problem:validation-error"
    assert set(body["errors"]) == {"name", "items.0.quantity"}
    assert all(isinstance(m, str) for msgs in body["errors"].values() for m in msgs)


def test_unknown_field_is_rejected(api):
    response = api.post("/t/echo/", {"name": "x", "items": [], "nmae": 1}, format="json")
    body = assert_problem(response, 400)
    assert body["errors"] == {"nmae": ["Unknown field."]}


def test_absurd_number_is_400_not_500(api):
    huge = "9" * 5000
    response = api.post(
        "/t/echo/",
        data='{"name": "x", "items": [{"sku": "A", "quantity": ' + huge + "}]}",
        content_type="application/json",
    )
    body = assert_problem(response, 400)
    assert body["type"] == "urn:seams:problem:malformed-request"
    assert body["detail"] == "JSON parse error - an integer has more than 4300 digits"
    assert "sys." not in response.content.decode()


def test_unsupported_media_type_is_415(api):
    response = api.post("/t/echo/", data="name=x", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)


def test_method_not_allowed_is_405_with_allow(api):
    response = api.get("/t/echo/")
    assert_problem(response, 405)
    assert "POST" in response["Allow"]


def test_not_authenticated_is_401(api):
    response = api.get("/t/private/")
    body = assert_problem(response, 401)
    assert body["type"] == "urn:seams:problem:not-authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert_problem(api.get("/t/private/"), 401)


def test_unknown_url_is_404_problem(api):
    body = assert_problem(api.get("/no/such/thing/"), 404)
    assert body["instance"] == "/no/such/thing/"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_django_and_drf_problems_are_rendered_alike_compact(api, settings, debug):
    settings.DEBUG = debug
    django_404 = api.get("/no/such/thing/")
    drf_404 = api.get("/api/v1/catalog/products/999999/")
    for response in (django_404, drf_404):
        assert_problem(response, 404)
        assert b'"status":404' in response.content
        assert b", " not in response.content and b"\n" not in response.content


def test_unhandled_exception_is_500_problem_without_internals(api):
    response = api.get("/t/boom/")
    body = assert_problem(response, 500)
    assert "kaboom-internal-detail" not in response.content.decode()
    assert body["type"] == "urn:seams:problem:server-error"


def test_throttled_is_429_with_retry_after(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "2/min",
        },
    }
    assert api.post("/t/login/").status_code == 200
    assert api.post("/t/login/").status_code == 200
    response = api.post("/t/login/")
    body = assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert body["type"] == "urn:seams:problem:throttled"


def test_flatten_errors_nested():
    detail = {"items": [{}, {"quantity": ["bad"]}], "non_field_errors": ["x"], "a": {"b": ["c"]}}
    assert flatten_errors(detail) == {
        "items.1.quantity": ["bad"],
        "non_field_errors": ["x"],
        "a.b": ["c"],
    }


def test_debug_pages_become_problems_too(api, settings):
    settings.DEBUG = True  # `make run`: Django would render its HTML debug pages
    body = assert_problem(api.get("/no/such/thing/"), 404)
    assert body["type"] == "urn:seams:problem:not-found"
    body = assert_problem(api.get("/t/boom/"), 500)
    assert "kaboom-internal-detail" not in str(body)


def test_admin_keeps_its_html(api):
    response = api.get("/admin/login/")
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [True, False], ids=["make-run-DEBUG", "production"])
def test_a_write_to_a_path_missing_its_slash_is_a_404_naming_the_right_path(api, settings, debug):
    settings.DEBUG = debug
    body = assert_problem(api.post("/t/echo", {"name": "x", "items": []}, format="json"), 404)
    assert "/t/echo/" in body["detail"]
    response = api.post("/api/v1/orders", {"items": []}, format="json")
    assert "/api/v1/orders/" in assert_problem(response, 404)["detail"]


def test_a_read_of_a_path_missing_its_slash_still_redirects(api):
    response = api.get("/api/v1/catalog/products")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/catalog/products/")


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_naming_the_limit_logged_as_a_client_error(
    api, settings, caplog
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"name": "x" * 2000, "items": []}
    with caplog.at_level(logging.INFO):
        problem = assert_problem(api.post("/t/echo/", body, format="json"), 413)
    assert problem["type"] == "urn:seams:problem:payload-too-large"
    assert "1000 bytes" in problem["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    [logged] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert logged.name == "seams.http" and "1000 bytes" in logged.getMessage()
