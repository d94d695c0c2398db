"""Generated files tell you how to fix them: each drift check fails naming the command that
regenerates its file (and ``make generate``), and ``make generate`` regenerates them all.

A new generated file adds a row to ``DRIFT_CHECKS`` and a line to the Makefile's
``generate`` target (docs/architecture.md, "Generated files").
"""

from __future__ import annotations

import pytest

from tests.project_copy import ROOT, copy_project, run_in

# (generated file, the check that fails when it is stale, the command that regenerates it)
DRIFT_CHECKS = [
    ("importlinter.ini", ("manage.py", "modules", "contracts", "--check"),
     "manage.py modules contracts --write"),
    ("docs/modules.md", ("manage.py", "modules", "docs", "--check"),
     "manage.py modules docs --write"),
    ("contracts/api/orders.json", ("manage.py", "modules", "api-contracts", "--check"),
     "manage.py modules api-contracts --write"),
    ("contracts/events/orders.OrderPlaced.v1.json", ("manage.py", "events", "contracts"),
     "manage.py events contracts --write"),
    ("docs/openapi.yaml",
     (".venv/bin/pytest", "-p", "no:cacheprovider", "-q", "--no-header",
      "tests/kernel/http/test_openapi.py::test_committed_schema_matches_the_code"),
     "manage.py spectacular --file docs/openapi.yaml --validate"),
    ("docker/edge/split.conf",
     ("manage.py", "topology", "edge", "--topology", "split", "--check", "docker/edge/split.conf"),
     "manage.py topology edge --topology split --output docker/edge/split.conf"),
    ("deploy/k8s/split/payments.yaml", ("manage.py", "topology", "k8s", "--check"),
     "manage.py topology k8s --write"),
]  # fmt: skip


def make_generate_steps() -> str:
    result = run_in(ROOT, "make", "-n", "-B", "generate")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_generate_runs_every_drift_checks_regenerating_command():
    steps = make_generate_steps()
    for _, _, regenerate in DRIFT_CHECKS:
        assert regenerate in steps, regenerate


def test_make_lint_runs_every_manage_py_drift_check():
    steps = run_in(ROOT, "make", "-n", "-B", "lint").stdout
    for _, check, _ in DRIFT_CHECKS:
        if check[0] == "manage.py":
            assert " ".join(check) in steps, check


def _make_stale(path) -> None:
    if path.suffix == ".json":
        path.unlink()  # as if the module or event were new
    else:
        path.write_text(path.read_text() + "\nedited by hand\n")


@pytest.mark.tooling  # make generate in a copy of the project: make test-tooling
def test_each_stale_file_fails_its_check_naming_the_fix_and_make_generate_fixes_all(tmp_path):
    project = copy_project(tmp_path / "project")
    for relative, _, _ in DRIFT_CHECKS:
        _make_stale(project / relative)
    for relative, check, regenerate in DRIFT_CHECKS:
        result = run_in(project, *check)
        output = result.stdout + result.stderr
        assert result.returncode != 0, f"{relative} is stale but {check} passed"
        assert regenerate.removeprefix("manage.py ") in output, (relative, output)
        assert "make generate" in output, (relative, output)

    generated = run_in(project, "make", "generate")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    for relative, _, _ in DRIFT_CHECKS:  # the committed files pass their checks (the suite)
        assert (project / relative).read_bytes() == (ROOT / relative).read_bytes(), relative
