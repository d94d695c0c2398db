"""docs/api.md stands alone: its endpoint table lists exactly the schema's operations, and it
sends nobody to a document the repository does not have."""

import re

import yaml

from tests.docs.examples import ROOT

API_DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
_ROW = re.compile(r"^\| (GET|POST|PATCH|PUT|DELETE) \| `(/api/v1/[^`]+)` \|", re.MULTILINE)


def test_endpoint_table_lists_every_operation_of_the_schema():
    schema = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    operations = {
        (method.upper(), route)
        for route, methods in schema["paths"].items()
        for method in methods
        if route.startswith("/api/v1/")
    }
    table = set(_ROW.findall(API_DOC))
    assert table == operations, {
        "not in the table": operations - table,
        "not served": table - operations,
    }


def test_every_relative_link_of_the_api_doc_exists():
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", API_DOC):
        assert (ROOT / "docs" / target).exists(), target
    assert "brief" not in API_DOC.lower()
