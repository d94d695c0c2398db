"""Module-sliced test runs (ADR 0017), like Spring Modulith's ``@ApplicationModuleTest``.

``pytest --module NAME`` (``make test-module MODULE=NAME``) runs ``tests/modules/NAME/`` (or
the paths given) with only NAME, the modules whose api it calls and the user model's module
installed (:mod:`app.kernel.modulekit.slices`): their Django apps, migrations, topology and
subscriptions, nothing of the others. Django's settings are read before any conftest, so the
option runs pytest again with ``SEAMS_TEST_SLICE=NAME``, which ``app/settings.py`` reads.

In a sliced run, for every module not installed:
- ``modules.<m>.api`` is a :class:`tests.fakes.FakeApi` built from ``contracts/api/<m>.json``;
- ``modules.<m>.events`` is the real one (events are data; a test publishes them itself);
- importing anything else of it skips the test (or the whole test file, when it imports it at
  the top) with a reason naming the module: such a test needs that module, so it runs in the
  full suite, never here, and never passes by accident.

The ``fakes`` fixture programs fakes in any run: ``fakes.<m>`` is the slice's fake of ``m``,
or, where ``m`` is installed, a fake put in place of its api functions for the test. A call to
a fake with no answer programmed fails the test, even when the code under test caught it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from app.kernel.modulekit import slices
from app.kernel.modules import MODULES_PACKAGE
from app.kernel.remote.codec import typed_errors
from tests.fakes import CONTRACTS, FakeApi

SLICE_VARIABLE = "SEAMS_TEST_SLICE"
PUBLIC_DATA = "events"  # the part of a module that is not installed which stays real

_slice_fakes: dict[str, FakeApi] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--module",
        dest="seams_module",
        metavar="NAME",
        help="run module NAME's tests (tests/modules/NAME/ unless paths are given) with only "
        "NAME, the modules whose api it calls and the user model's module installed; the "
        "others are fakes made from contracts/api/ (ADR 0017)",
    )


def installed_modules() -> list[str]:
    """The modules whose Django apps this process installed, in settings order."""
    return [p.rsplit(".", 1)[1] for p in settings.SEAMS_MODULES if apps.is_installed(p)]


def pytest_configure(config: pytest.Config) -> None:
    wanted = config.getoption("seams_module")
    running = settings.SEAMS_TEST_SLICE
    if wanted and wanted != running:
        _run_sliced(config, wanted, running)
    if running:
        sys.meta_path.insert(0, _SliceFinder(running, frozenset(installed_modules())))


def _run_sliced(config: pytest.Config, wanted: str, running: str) -> None:
    """Run pytest again, as this run, with the slice set before Django reads its settings."""
    if running:
        raise pytest.UsageError(f"--module {wanted}: this run is already a slice of {running!r}")
    try:
        slices.plan(wanted, settings.SEAMS_MODULES, Path(settings.BASE_DIR))
    except ValueError as exc:
        raise pytest.UsageError(f"--module {wanted}: {exc}") from None
    args = list(config.invocation_params.args)
    if config.args_source is not pytest.Config.ArgsSource.ARGS:  # no path given
        args.append(str(config.rootpath / "tests" / "modules" / wanted))
    sys.stdout.flush()
    sys.stderr.flush()
    command = [sys.executable, "-m", "pytest", *args]
    os.execve(sys.executable, command, {**os.environ, SLICE_VARIABLE: wanted})  # noqa: S606


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not settings.SEAMS_TEST_SLICE:
        return []
    installed = installed_modules()
    faked = sorted(p.stem for p in CONTRACTS.glob("*.json") if p.stem not in installed)
    return [
        f"module slice of {settings.SEAMS_TEST_SLICE!r}: installed {', '.join(installed)}; "
        f"faked from contracts/api/: {', '.join(faked) or 'none'}"
    ]


def _not_installed(what: str) -> str:
    return (
        f"needs module {what}, which the slice of {settings.SEAMS_TEST_SLICE!r} does not "
        f"install (installed: {', '.join(installed_modules())}); the full suite runs it"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.needs_modules("analytics")``: a test reaching other modules than its
    own without importing them (their URLs, their admin pages) is skipped in a slice that
    does not install them; a name that is no module is an error in every run."""
    known = {p.stem for p in CONTRACTS.glob("*.json")}
    installed = set(installed_modules())
    for item in items:
        for marker in item.iter_markers("needs_modules"):
            if unknown := sorted(set(marker.args) - known):
                raise pytest.UsageError(f"{item.nodeid}: needs_modules names no module {unknown}")
            if missing := [m for m in marker.args if m not in installed]:
                item.add_marker(pytest.mark.skip(reason=_not_installed(", ".join(missing))))


class _SliceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of modules a slice does not install: ``api`` → the fake, ``events`` → the
    real one, anything else → the importing test is skipped, naming the module."""

    def __init__(self, subject: str, installed: frozenset[str]) -> None:
        self.subject = subject
        self.installed = installed

    def find_spec(self, fullname: str, path: object, target: object = None):
        parts = fullname.split(".")
        if len(parts) < 3 or parts[0] != MODULES_PACKAGE or parts[1] in self.installed:
            return None
        module, part = parts[1], parts[2]
        if part == PUBLIC_DATA:
            return None
        if part == "api" and len(parts) == 3 and (CONTRACTS / f"{module}.json").exists():
            return importlib.util.spec_from_loader(fullname, self)
        pytest.skip(_not_installed(f"{module!r} ({fullname})"), allow_module_level=True)

    def create_module(self, spec) -> FakeApi:
        module = spec.name.split(".")[1]
        return _slice_fakes.setdefault(module, FakeApi(module))

    def exec_module(self, module: object) -> None:
        """Nothing to run: :class:`FakeApi` built itself from the contract."""


class Fakes:
    """The ``fakes`` fixture: ``fakes.<module>`` is the :class:`FakeApi` of that module."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._stand_ins: dict[str, FakeApi] = {}

    def __getattr__(self, module: str) -> FakeApi:
        if module.startswith("_"):
            raise AttributeError(module)
        if not (CONTRACTS / f"{module}.json").exists():
            raise AttributeError(f"no module {module!r} to fake: no contracts/api/{module}.json")
        if not apps.is_installed(f"{MODULES_PACKAGE}.{module}"):
            return importlib.import_module(f"{MODULES_PACKAGE}.{module}.api")  # the slice's
        if module not in self._stand_ins:
            self._stand_ins[module] = self._stand_in(module)
        return self._stand_ins[module]

    def _stand_in(self, module: str) -> FakeApi:
        """A fake in place of an installed module's api functions, for this test; it raises
        the module's own typed errors, so callers' ``except`` clauses still match."""
        real = importlib.import_module(f"{MODULES_PACKAGE}.{module}.api")
        fake = FakeApi(module, errors=typed_errors(real.__name__))
        for name, function in fake.functions.items():
            self._monkeypatch.setattr(real, name, function)
        return fake

    def stand_ins(self) -> list[FakeApi]:
        return list(self._stand_ins.values())


def _fail_on_unprogrammed(fakes: list[FakeApi]) -> None:
    if calls := [call for fake in fakes for call in fake.unprogrammed_calls()]:
        pytest.fail("fakes called with no answer programmed: " + "; ".join(calls), pytrace=False)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch):
    """Program fakes of module apis: ``fakes.payments.payment_capture.returns(...)``."""
    found = Fakes(monkeypatch)
    yield found
    _fail_on_unprogrammed(found.stand_ins())


@pytest.fixture(autouse=True)
def _slice_fakes_answered():
    """Each test starts with the slice's fakes unprogrammed, and fails when one was called
    without an answer (even if the code under test caught the error)."""
    for fake in _slice_fakes.values():
        fake.reset()
    yield
    _fail_on_unprogrammed(list(_slice_fakes.values()))
