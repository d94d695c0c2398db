"""System checks for module apis that must be callable over the wire.

==========  ===================================================================================
seams.E012  An ``@module_api`` function takes keyword-only parameters, every parameter and
            the return value typed with types that cross as JSON (primitives, ``Decimal``,
            ``datetime``, ``Literal``, tuples, lists, dicts, ``Optional``, dataclasses).
seams.E013  Every dataclass an api function takes or returns (directly or nested) is frozen:
            a DTO is a value, not shared mutable state.
==========  ===================================================================================
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core import checks

from app.kernel.modules import submodule
from app.kernel.remote.binding import ApiFunction, functions
from app.kernel.remote.errors import ApiContractError


def _dataclasses_in(hint: Any, seen: set[type]) -> Iterator[type]:
    """Every dataclass reachable from a type hint (through generics and dataclass fields)."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if hint in seen:
            return
        seen.add(hint)
        yield hint
        for field_type in typing.get_type_hints(hint).values():
            yield from _dataclasses_in(field_type, seen)
        return
    for argument in typing.get_args(hint):
        yield from _dataclasses_in(argument, seen)


def check_functions(found: Iterable[ApiFunction]) -> list[checks.Error]:
    errors = []
    for function in found:
        where = f"{function.body.__module__}.{function.name}"
        try:
            function.codec  # noqa: B018 - building it is the check
        except ApiContractError as exc:
            errors.append(
                checks.Error(
                    f"{exc} (rule: a module api function takes keyword-only, typed, "
                    f"serialisable arguments and returns a serialisable value).",
                    hint=(
                        f"Make {where} keyword-only (def {function.name}(*, ...)), type every "
                        f"parameter and the return, and use primitives, Decimal, datetime, "
                        f"Literal, tuples, lists, dicts or frozen dataclass DTOs."
                    ),
                    id="seams.E012",
                )
            )
            continue
        seen: set[type] = set()
        for hint in typing.get_type_hints(function.body).values():
            for dto in _dataclasses_in(hint, seen):
                if not dto.__dataclass_params__.frozen:  # type: ignore[attr-defined]
                    errors.append(
                        checks.Error(
                            f"{where} takes or returns {dto.__module__}.{dto.__qualname__}, a "
                            f"dataclass that is not frozen (rule: api DTOs are immutable "
                            f"values).",
                            hint="Declare it @dataclass(frozen=True).",
                            id="seams.E013",
                        )
                    )
    return errors


def api_functions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The registered check: every hosted module's api functions."""
    found = []
    for package in settings.SEAMS_MODULES:
        if submodule(package, "api") is not None:
            found += functions(package.rsplit(".", 1)[1])
    return check_functions(found)


def register() -> None:
    checks.register(api_functions, "seams")
