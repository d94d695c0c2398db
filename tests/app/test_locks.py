"""The two lock files agree with pyproject.toml and with each other (ADR 0010).

``requirements.lock`` is all the image installs; ``requirements-dev.lock`` adds the test and
lint tools, pinned to the runtime lock's versions; ``make lock`` writes both.
"""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.app.conftest import PRODUCTION_ENV, ROOT, clean_env, run

RELOCK = "make lock"
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def locked(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """``{package: (version, hashes)}`` of one lock file."""
    entries: dict[str, tuple[str, frozenset[str]]] = {}
    for block in re.split(r"\n(?=\S)", (ROOT / name).read_text()):
        match = _ENTRY.match(block)
        if match:
            hashes = frozenset(re.findall(r"--hash=(sha256:[0-9a-f]{64})", block))
            entries[canonicalize_name(match[1])] = (match[2], hashes)
    return entries


def direct(group: str | None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {canonicalize_name(Requirement(spec).name) for spec in specs}


RUNTIME = locked("requirements.lock")
DEV = locked("requirements-dev.lock")


def test_every_locked_package_is_pinned_with_hashes():
    for name, lock in (("requirements.lock", RUNTIME), ("requirements-dev.lock", DEV)):
        assert lock, f"{name} lists no package"
        unhashed = sorted(package for package, (_, hashes) in lock.items() if not hashes)
        assert not unhashed, f"{name}: no --hash for {unhashed}; re-lock with {RELOCK}"


def test_every_direct_dependency_is_in_its_lock():
    missing_runtime = sorted(direct(None) - RUNTIME.keys())
    missing_dev = sorted((direct(None) | direct("dev")) - DEV.keys())
    assert not missing_runtime, f"not in requirements.lock: {missing_runtime}; run {RELOCK}"
    assert not missing_dev, f"not in requirements-dev.lock: {missing_dev}; run {RELOCK}"


def test_the_runtime_lock_holds_no_dev_tool():
    tools = sorted((direct("dev") - direct(None)) & RUNTIME.keys())
    assert not tools, f"dev tools in the image's lock: {tools}; run {RELOCK}"
    assert "pytest" in direct("dev")  # the check above looks at the real dev list


def test_both_locks_pin_the_same_version_and_hashes():
    disagree = {
        package: (RUNTIME[package][0], DEV[package][0])
        for package in RUNTIME.keys() & DEV.keys()
        if RUNTIME[package] != DEV[package]
    }
    assert not disagree, f"runtime vs dev lock: {disagree}; run {RELOCK}"
    assert RUNTIME.keys() <= DEV.keys(), (
        f"in the runtime lock only: {sorted(RUNTIME.keys() - DEV.keys())}; run {RELOCK}"
    )


def test_make_lock_writes_both_locks_the_dev_one_constrained_by_the_runtime_one():
    result = run(["make", "--no-print-directory", "-n", "-B", "lock"], env=clean_env())
    assert result.returncode == 0, result.stderr
    compiles = [line for line in result.stdout.splitlines() if "uv pip compile" in line]
    assert len(compiles) == 2, result.stdout
    runtime, dev = compiles
    assert "--generate-hashes" in runtime and "--generate-hashes" in dev
    assert runtime.endswith("-o requirements.lock") and "--extra" not in runtime
    assert "--extra dev -c requirements.lock -o requirements-dev.lock" in dev


# The image's code must run on the runtime lock alone: import every module of app/ and
# modules/ (and run the production check) with the dev-only distributions made unimportable.
_RUNTIME_ONLY = """
import importlib, importlib.metadata as md, pkgutil, sys
blocked = {top for top, dists in md.packages_distributions().items()
           if not {d.lower().replace("_", "-") for d in dists} & RUNTIME}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ImportError(f"{name} is a dev-only package")
sys.meta_path.insert(0, Block())
import django; django.setup()
for package in ("app", "modules"):
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        if not info.name.endswith(".testing"):  # pytest fixtures, for tests only
            importlib.import_module(info.name)
from django.core.management import call_command
call_command("check", "--deploy", "--fail-level", "WARNING")
print("imported", len(sys.modules), "modules; blocked", len(blocked), "top-level names")
"""


def test_the_code_runs_on_the_runtime_lock_alone():
    script = f"RUNTIME = {sorted(RUNTIME)!r}\nRUNTIME = set(RUNTIME)\n{_RUNTIME_ONLY}"
    result = run(
        ["python", "-c", script],
        env=clean_env(**PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="app.settings"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "imported" in result.stdout
