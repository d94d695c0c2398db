"""The acceptance suite is black-box: it imports none of the project's code (``app``,
``modules``, ``tests``, ``bench``, ...) nor the server's frameworks, only ``acceptance``
itself and client libraries, so it can only know the system through HTTP (ADR 0012)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

REPO = Path(settings.BASE_DIR)
SERVER_FRAMEWORKS = {"django", "rest_framework", "rest_framework_simplejwt", "drf_spectacular",
                     "celery", "environ", "psycopg", "redis"}  # fmt: skip


def project_names() -> set[str]:
    """Top-level names importable from the repository root (namespace packages too), but
    the suite's own."""
    names = {
        p.name
        for p in REPO.iterdir()
        if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.py"))
    }
    names |= {p.stem for p in REPO.glob("*.py")}
    return names - {"acceptance"}


def imported(source: str) -> set[str]:
    """Top-level names of every module ``source`` imports (relative imports as ``.``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0] if node.level == 0 and node.module else ".")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            names.add("__import__")
    return names


def forbidden(source: str) -> set[str]:
    return imported(source) & (project_names() | SERVER_FRAMEWORKS | {"__import__"})


def test_the_acceptance_suite_imports_no_project_code():
    files = sorted((REPO / "acceptance").rglob("*.py"))
    assert files, "acceptance/ holds the suite"
    offending = {
        str(f.relative_to(REPO)): names for f in files if (names := forbidden(f.read_text()))
    }
    assert offending == {}


def test_the_check_sees_project_and_framework_imports():
    assert project_names() >= {"app", "modules", "tests", "bench", "manage"}
    source = "import app.settings\nfrom modules.orders import api\nfrom django.conf import x\n"
    assert forbidden(source) == {"app", "modules", "django"}
    assert forbidden("import httpx\nfrom acceptance.client import Api\n") == set()


def test_the_acceptance_suite_runs_without_pytest_django():
    assert "-p no:django" in (REPO / "acceptance" / "pytest.ini").read_text()
