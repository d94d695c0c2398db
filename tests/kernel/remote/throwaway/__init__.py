"""Throwaway module apis for the remote-binding tests, loaded under ``modules.<name>.api``
(so ``@module_api`` attributes them to ``<name>``) by :func:`load`; never installed, never in
``SEAMS_MODULES``, so no topology or system check of the project sees them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def load(name: str, file: str | None = None) -> ModuleType:
    """``throwaway/<file or name>.py`` as ``modules.<name>.api`` (once per name)."""
    dotted = f"modules.{name}.api"
    if dotted in sys.modules:
        return sys.modules[dotted]
    spec = importlib.util.spec_from_file_location(dotted, HERE / f"{file or name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[dotted] = module
    spec.loader.exec_module(module)
    return module
