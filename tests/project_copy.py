"""A throwaway copy of the repository, for tests that change files as a developer would
(regenerate, add a module) without touching the checkout the suite runs from.

The copy shares the checkout's ``.venv`` (a symlink); ``make`` in it is told the venv is
installed (``-o .venv/bin/.installed``), so it never reinstalls.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SKIP = shutil.ignore_patterns(
    ".venv", ".git", "*.sqlite3*", "var", "staticfiles", "__pycache__", ".pytest_cache",
    ".ruff_cache", ".import_linter_cache", ".hypothesis",
)  # fmt: skip
VENV_BIN = Path(sys.executable).parent


def copy_project(destination: Path) -> Path:
    """A copy of the repository at ``destination`` (timestamps kept), sharing the venv."""
    shutil.copytree(ROOT, destination, ignore=_SKIP, copy_function=shutil.copy2)
    (destination / ".venv").symlink_to(VENV_BIN.parent)
    return destination


def project_env(**overrides: str) -> dict[str, str]:
    """The environment of a developer's shell in the copy: no test run's settings, the venv
    first on ``PATH``, SQLite unless overridden."""
    from tests.app.conftest import clean_env  # one list of the variables a profile reads

    env = clean_env(**overrides)
    env.pop("PYTEST_ADDOPTS", None)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env['PATH']}"
    return env


def run_in(project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """``args`` run in ``project``; ``make`` is told not to reinstall the venv."""
    command = list(args)
    if command[0] == "make":
        command[1:1] = ["--no-print-directory", "-o", ".venv/bin/.installed"]
    elif command[0] == "manage.py":
        command[0:1] = [str(VENV_BIN / "python"), "manage.py"]
    return subprocess.run(
        command,
        cwd=project,
        env=env or project_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
