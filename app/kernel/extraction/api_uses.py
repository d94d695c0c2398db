"""Where a module's code uses another module's api functions, read from the source (``ast``).

import-linter (grimp) knows which module imports which; an extraction also needs *which
functions* of the other module's ``api`` are used and where, since each becomes an HTTP
call. This reads every ``.py`` file of a module (migrations excepted) and resolves the four
ways our code reaches an api function::

    from modules.payments import api as payments_api    # payments_api.payment_capture
    from modules.payments import api                    # api.payment_capture
    import modules.payments.api as payments_api         # payments_api.payment_capture
    from modules.payments.api import payment_capture    # payment_capture

A use is any reference (a call, or the function passed on as a value). Only names that are
api functions of the other module count: its DTOs and errors are data, not calls.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.kernel.modules import MODULES_PACKAGE


@dataclass(frozen=True)
class ApiUse:
    """Module ``caller`` uses ``callee.function`` at ``where`` (``path:line``)."""

    caller: str
    callee: str
    function: str
    idempotent: bool
    where: str

    @property
    def qualname(self) -> str:
        return f"{self.callee}.{self.function}"


def _api_module(dotted: str) -> str | None:
    """``modules.payments.api`` → ``payments``."""
    parts = dotted.split(".")
    if len(parts) == 3 and parts[0] == MODULES_PACKAGE and parts[2] == "api":
        return parts[1]
    return None


def _bindings(tree: ast.AST) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Names bound to an api module (``alias → module``) and to an api function
    (``name → (module, function)``) by the file's imports, wherever they stand."""
    modules: dict[str, str] = {}
    functions: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if callee := _api_module(f"{node.module}.{alias.name}"):
                    modules[alias.asname or alias.name] = callee
                elif callee := _api_module(node.module):
                    functions[alias.asname or alias.name] = (callee, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if (callee := _api_module(alias.name)) and alias.asname:
                    modules[alias.asname] = callee
                elif callee:
                    modules[alias.name] = callee  # used as modules.<callee>.api.<function>
    return modules, functions


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted_name(node.value)):
        return f"{base}.{node.attr}"
    return None


def uses_in_file(
    caller: str, path: Path, api_functions: Mapping[str, Mapping[str, bool]], shown_as: str
) -> list[ApiUse]:
    """The api uses of another module in one file of module ``caller``.
    ``api_functions``: module → its api function names → declared idempotent."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules, functions = _bindings(tree)
    found = []

    def use(callee: str, function: str, line: int) -> None:
        offered = api_functions.get(callee, {})
        if callee != caller and function in offered:
            found.append(ApiUse(caller, callee, function, offered[function], f"{shown_as}:{line}"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (base := _dotted_name(node.value)):
            if base in modules:
                use(modules[base], node.attr, node.lineno)
        elif isinstance(node, ast.Name) and node.id in functions:
            use(*functions[node.id], node.lineno)
    return found


def uses(
    sources: Mapping[str, Path], api_functions: Mapping[str, Mapping[str, bool]], root: Path
) -> list[ApiUse]:
    """Every module's uses of other modules' api functions, ordered by place.
    ``sources``: module → its package directory; places are shown relative to ``root``."""
    found = []
    for caller, directory in sources.items():
        for path in sorted(Path(directory).rglob("*.py")):
            if "migrations" in path.relative_to(directory).parts:
                continue
            try:
                shown = str(path.relative_to(root))
            except ValueError:
                shown = str(path)
            found.extend(uses_in_file(caller, path, api_functions, shown))
    return found
