"""PUBLIC (throwaway): the api after a change: new optional argument."""

from __future__ import annotations

from dataclasses import dataclass

from app.kernel.ownership import module_api


@dataclass(frozen=True)
class Thing:
    thing_id: int
    note: str | None


class ThingMissingError(Exception):
    pass


@module_api(idempotent=True)
def thing_get(*, thing_id: int, verbose: bool = False, scope: str = "all") -> Thing:
    return Thing(thing_id=thing_id, note=None)


@module_api
def thing_list(*, limit: int) -> tuple[Thing, ...]:
    return ()
