"""The committed OpenAPI schema (docs/openapi.yaml) is exactly what the code generates.

Regenerate after changing any view or serializer:

    .venv/bin/python manage.py spectacular --file docs/openapi.yaml --validate
"""

from pathlib import Path

import pytest
import yaml  # a drf-spectacular dependency
from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
REGENERATE = ".venv/bin/python manage.py spectacular --file docs/openapi.yaml --validate"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate")
    assert COMMITTED.exists(), f"docs/openapi.yaml is missing; generate it: {REGENERATE}"
    assert generated.read_text() == COMMITTED.read_text(), (
        f"docs/openapi.yaml is stale: the API changed. Regenerate and commit it: {REGENERATE} "
        "(`make generate` regenerates every generated file)"
    )


@pytest.mark.django_db
def test_schema_and_docs_are_served_to_anyone(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html  # assets come from drf-spectacular-sidecar


def test_every_v1_operation_documents_problem_responses():
    schema = yaml.safe_load(COMMITTED.read_text())
    missing = []
    for route, operations in schema["paths"].items():
        if not route.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
            if not errors:
                missing.append(f"{method.upper()} {route}")
                continue
            for code in errors:
                content = operation["responses"][code].get("content", {})
                assert "application/problem+json" in content, f"{method} {route} {code}"
    assert not missing, f"operations without documented problem responses: {missing}"


def test_swagger_groups_every_operation_under_the_module_that_serves_it():
    schema = yaml.safe_load(COMMITTED.read_text())
    for route, operations in schema["paths"].items():
        module = route.removeprefix("/api/v1/").split("/")[0]
        for method, operation in operations.items():
            assert operation["tags"] == [module], f"{method.upper()} {route}"


def test_every_request_body_is_described_by_its_own_words():
    schema = yaml.safe_load(COMMITTED.read_text())
    components = schema["components"]["schemas"]
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
    }
    assert bodies
    descriptions = {name: components[name].get("description", "") for name in bodies}
    assert all(descriptions.values()), descriptions
    assert len(set(descriptions.values())) == len(bodies), descriptions  # none inherited
    assert not any("Serializer" in text for text in descriptions.values()), descriptions
