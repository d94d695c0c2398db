"""Change-aware test selection (``make test-changed``): the modules a change touches, and the
modules that depend on them, from the manifests' ``depends_on`` graph.

A file under ``modules/<m>/``, ``tests/modules/<m>/`` or ``contracts/api/<m>.json`` touches
``m``; a change to any other file (the kernel, settings, the shared tests, the locks) may
touch every module, so it selects the whole suite. A module's dependents are every module
that depends on it directly or through others (they import its api and events).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from app.kernel.modules import ModuleManifest

EVERYTHING = None  # "the whole suite", as opposed to a set of modules


def changed_files(base: str, cwd: str) -> list[str]:
    """Paths changed since ``base`` (committed or not) and untracked files, repo-relative."""

    def git(*args: str) -> list[str]:
        command = ["git", *args]  # git from PATH, fixed arguments
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)  # noqa: S603
        return [line for line in result.stdout.splitlines() if line]

    return sorted(
        {*git("diff", "--name-only", base), *git("ls-files", "--others", "--exclude-standard")}
    )


def touched(paths: Iterable[str], known: Iterable[str]) -> set[str] | None:
    """The modules ``paths`` touch, or :data:`EVERYTHING` when one is outside every module."""
    known, found = set(known), set()
    for path in paths:
        parts = PurePosixPath(path).parts
        if len(parts) > 2 and parts[0] == "modules" and parts[1] in known:
            found.add(parts[1])
        elif len(parts) > 3 and parts[:2] == ("tests", "modules") and parts[2] in known:
            found.add(parts[2])
        elif parts[:2] == ("contracts", "api") and PurePosixPath(path).stem in known:
            found.add(PurePosixPath(path).stem)
        elif path.endswith(".md") or parts[0] in {"bench", ".github"}:
            continue  # docs and benchmarks change no test's outcome (tests/docs: "tests/")
        else:
            return EVERYTHING
    return found


def with_dependents(modules: set[str], manifests: Mapping[str, ModuleManifest]) -> set[str]:
    """``modules`` and every module that depends on one of them, transitively."""
    selected = set(modules)
    while True:
        more = {m.name for m in manifests.values() if selected & set(m.depends_on)} - selected
        if not more:
            return selected
        selected |= more
