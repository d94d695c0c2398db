"""Every example in README.md and docs/ marked ``run`` runs as written (tests/docs/examples.py)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.app.conftest import clean_env
from tests.docs.examples import ROOT, all_examples, examples_in, run_shell

EXAMPLES = all_examples()
PYTHON = [example for example in EXAMPLES if example.language == "python"]
SHELL = [example for example in EXAMPLES if example.language != "python" and not example.server]
SERVER = [example for example in EXAMPLES if example.server]


def test_the_docs_mark_examples_to_run():
    assert PYTHON and SHELL and SERVER


def test_only_blocks_marked_run_are_picked(tmp_path: Path):
    doc = tmp_path / "doc.md"
    doc.write_text("```python\nillustration(...)\n```\n\n```sh run\necho ok\n```\n")
    (example,) = examples_in(doc)
    assert (example.language, example.code, example.line) == ("sh", "echo ok\n", 5)


@pytest.mark.django_db
@pytest.mark.parametrize("example", PYTHON, ids=lambda example: example.id)
def test_python_example_runs(example):
    code = compile(example.code, example.id, "exec")
    exec(code, {"__name__": "docs_example"})  # noqa: S102 - the repository's own docs


def run_in_the_repository(example, **env_vars: str) -> None:
    run_shell(example, cwd=ROOT, env=clean_env(**env_vars), timeout=300)


@pytest.mark.parametrize("example", SHELL, ids=lambda example: example.id)
def test_shell_example_runs(example, tmp_path):
    run_in_the_repository(example, DATABASE_URL=f"sqlite:///{tmp_path / 'docs.sqlite3'}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("example", SERVER, ids=lambda example: example.id)
def test_example_against_a_live_server_runs(example, live_server):
    call_command("seed_demo", stdout=StringIO())
    run_in_the_repository(example, BASE=live_server.url)
