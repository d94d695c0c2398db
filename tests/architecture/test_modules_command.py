"""``manage.py modules``: listing, the mermaid graph, and the generated files stay fresh."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from app.kernel.boundaries import describe
from app.kernel.modules import manifests

REPO = Path(settings.BASE_DIR)


def run(*args: str) -> str:
    out = StringIO()
    call_command("modules", *args, stdout=out)
    return out.getvalue()


def test_committed_docs_modules_md_is_generated():
    committed = (REPO / "docs" / "modules.md").read_text()
    assert committed == describe.docs_text(), (
        "docs/modules.md is stale: run `python manage.py modules docs --write`"
    )


def test_list_names_dependencies_api_and_events():
    text = run()
    for name, manifest in manifests().items():
        assert f"{name}: {manifest.summary}" in text
    assert "  depends on: catalog, inventory, payments" in text  # orders
    assert "orders.OrderPlaced" in text


def test_mermaid_graph_has_every_dependency_edge():
    text = run("--format", "mermaid")
    assert text.startswith("graph TD\n")
    for name, manifest in manifests().items():
        for dependency in manifest.depends_on:
            assert f"    {name} --> {dependency}\n" in text


def test_markdown_canvas_per_module():
    text = run("--format", "markdown")
    assert "```mermaid" in text
    for name in manifests():
        assert f"\n## {name}\n" in text
    assert "**events out**" in text and "**events in**" in text and "**tables**" in text


def test_check_flag_fails_on_a_stale_file(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    (tmp_path / "importlinter.ini").write_text("stale\n")
    with pytest.raises(CommandError, match="modules contracts --write"):
        run("contracts", "--check")
    run("contracts", "--write")
    assert "up to date" in run("contracts", "--check")
