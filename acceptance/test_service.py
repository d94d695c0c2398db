"""Liveness, readiness and the published schema."""

from __future__ import annotations

from pathlib import Path

import yaml

from acceptance.client import Api

COMMITTED_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def operations(schema: dict) -> dict[tuple[str, str], list[str]]:
    """Every (path, method) with its documented response codes."""
    return {
        (path, method): sorted(operation["responses"])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def test_healthz_and_readyz_answer_ok():
    anonymous = Api()
    for path in ("/healthz/", "/readyz/"):
        response = anonymous.get(path)
        assert response.status_code == 200, (path, response.text)
        assert response.json() == {"status": "ok"}


def test_schema_is_openapi_3_with_the_committed_operations():
    response = Api().get("/api/schema/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi")
    served = yaml.safe_load(response.text)
    assert served["openapi"].startswith("3.")
    committed = yaml.safe_load(COMMITTED_SCHEMA.read_text())
    assert operations(served) == operations(committed)


def test_schema_is_served_as_json_on_request():
    response = Api().get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    assert "/api/v1/orders/" in response.json()["paths"]


def test_api_docs_page_is_served():
    response = Api().get("/api/docs/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
