"""docs/tutorial.md stays true: its steps, run in order in a copy of the project, create the
``reviews`` module, pass its tests (monolith, split test mode, and sliced: only reviews and
catalog installed) and remove it again, leaving the tree as it was."""

from __future__ import annotations

import re

import pytest

from tests.docs.examples import ROOT, examples_in, run_shell
from tests.project_copy import copy_project, project_env

STEPS = examples_in(ROOT / "docs" / "tutorial.md", tag="tutorial")
# What startmodule and removemodule edit or generate: back as committed at the end.
RESTORED = [
    "app/settings.py", "topologies/monolith.toml", "topologies/split.toml",
    "topologies/isolated.toml", "importlinter.ini", "docs/modules.md", "docs/openapi.yaml",
]  # fmt: skip


# slow (minutes: `make test-tutorial`, which CI runs): the project's commands and pytest, in
# both modes, in a copy of the project
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_tutorial_creates_tests_and_removes_the_reviews_module(tmp_path):
    assert len(STEPS) >= 7
    project = copy_project(tmp_path / "project")
    env = project_env()
    for step in STEPS:
        stdout = run_shell(step, cwd=project, env=env, timeout=900)
        if re.search(r"^(\w+=\S+ )*pytest ", step.code, re.MULTILINE):  # runs the tests
            assert " passed" in stdout and "failed" not in stdout, stdout
        if "pytest --module reviews" in step.code:  # catalog installed, orders a fake
            assert (
                "module slice of 'reviews': installed accounts, catalog, reviews; faked from "
                "contracts/api/: analytics, inventory, notifications, orders, payments"
            ) in stdout, stdout
        if "startmodule" in step.code:
            assert (project / "modules" / "reviews" / "manifest.py").exists()

    assert not (project / "modules" / "reviews").exists()
    assert not (project / "tests" / "modules" / "reviews").exists()
    assert not list((project / "contracts").rglob("reviews*"))
    for relative in RESTORED:
        assert (project / relative).read_text() == (ROOT / relative).read_text(), relative
