"""PUBLIC (throwaway): the ``rmtest`` module's api, for the remote-binding tests."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from django.contrib.contenttypes.models import ContentType

from app.kernel.observability.tracing import current_traceparent
from app.kernel.ownership import current_module, module_api

CALLS: list[str] = []  # what note_add received, in order


@dataclass(frozen=True)
class Item:
    name: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Seen:
    module: str | None
    request_id: str | None
    traceparent: str | None


@dataclass
class Mutable:
    name: str


SHARED = Item(name="shared", tags=("a",))


class ItemMissingError(Exception):
    """The typed error of this api."""


@module_api
def note_add(*, text: str) -> int:
    """Not idempotent: each call is recorded."""
    CALLS.append(text)
    return len(text)


@module_api(idempotent=True)
def echo(*, items: tuple[Item, ...], note: str | None = None) -> tuple[Item, ...]:
    return items


@module_api(idempotent=True)
def seen() -> Seen:
    """What the callee side sees: attribution, request id and trace context."""
    context = structlog.contextvars.get_contextvars()
    return Seen(current_module(), context.get("request_id"), current_traceparent())


@module_api
def item_get(*, name: str) -> Item:
    raise ItemMissingError(f"no item {name!r}")


@module_api
def broken() -> int:
    raise RuntimeError("a bug in the callee")


@module_api
def shared_item() -> Item:
    return SHARED


@module_api
def orm_object() -> Item:
    return ContentType(app_label="rmtest", model="item")  # type: ignore[return-value]


@module_api
def wrong_type() -> int:
    return "3"  # type: ignore[return-value]


@module_api
def mutable_instead_of_dto() -> Item:
    return Mutable(name="x")  # type: ignore[return-value]


@module_api
def list_instead_of_tuple() -> Item:
    return Item(name="x", tags=["a"])  # type: ignore[arg-type]
