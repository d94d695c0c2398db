"""PUBLIC (throwaway): the api after a change: removed field."""

from __future__ import annotations

from dataclasses import dataclass

from app.kernel.ownership import module_api


@dataclass(frozen=True)
class Thing:
    note: str | None


class ThingMissingError(Exception):
    pass


@module_api(idempotent=True)
def thing_get(*, thing_id: int, verbose: bool = False) -> Thing:
    return Thing(thing_id=thing_id, note=None)


@module_api
def thing_list(*, limit: int) -> tuple[Thing, ...]:
    return ()
