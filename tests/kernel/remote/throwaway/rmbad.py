"""PUBLIC (throwaway): the ``rmbad`` module's api: every function breaks a rule of the
remote binding (seams.E012 / E013)."""

from __future__ import annotations

from dataclasses import dataclass

from app.kernel.ownership import module_api


@dataclass
class Mutable:
    name: str


@dataclass(frozen=True)
class Holder:
    inner: Mutable


class Opaque:
    """Not a dataclass, not a type pydantic knows."""


@module_api
def positional(name: str) -> int:
    return len(name)


@module_api
def unresolved(*, name: str) -> NoSuchType:  # type: ignore[name-defined]  # noqa: F821
    return name


@module_api
def opaque(*, thing: Opaque) -> int:
    return 1


@module_api
def mutable_result(*, name: str) -> Mutable:
    return Mutable(name)


@module_api
def nested_mutable(*, holder: Holder) -> int:
    return 1
