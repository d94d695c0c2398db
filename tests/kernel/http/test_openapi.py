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
        f"docs/openapi.yaml is stale: the API changed. Regenerate and commit it: {REGENERATE}"
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
