"""The event base class (immutable, typed, versioned, JSON-serialisable), trace context
and upcasting of old event versions to the current one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from app.kernel.observability.tracing import current_traceparent


def publisher_of(event_name: str) -> str:
    """Events are owned by the module that publishes them: ``orders.OrderPlaced`` → orders."""
    return event_name.split(".", 1)[0]


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of every event. Subclasses live in the publisher's ``events.py``.

    Set ``name`` (``"<module>.<PastTense>"``) and ``version``; ``key_field`` names the field
    whose value orders deliveries (events with the same key are handled in publish order,
    see docs/events.md "Ordering").
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ClassVar[str]
    version: ClassVar[int] = 1
    key_field: ClassVar[str | None] = None

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: datetime = Field(default_factory=_now)
    # the trace context of the code that created the event (see current_traceparent)
    traceparent: str | None = Field(default_factory=lambda: current_traceparent())

    @property
    def key(self) -> str | None:
        return None if self.key_field is None else str(getattr(self, self.key_field))


# ---------------------------------------------------------------------------
# Upcasting: payloads of old versions are rewritten, step by step, to the current version
# ---------------------------------------------------------------------------
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UnknownEventVersion(ValueError):
    """A payload's version cannot be brought to the event class's current version."""


def upcaster(name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register ``fn(payload_v_n) -> payload_v_n+1`` for event ``name``, next to its class::

    @upcaster("orders.OrderPlaced", from_version=1)
    def _order_placed_v1_to_v2(payload):
        return {**payload, "channel": "web"}
    """

    def register(fn: Upcaster) -> Upcaster:
        _UPCASTERS[(name, from_version)] = fn
        return fn

    return register


def has_upcaster(name: str, from_version: int) -> bool:
    return (name, from_version) in _UPCASTERS


def upcast(event_cls: type[Event], version: int, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` of ``event_cls.name`` at ``version`` rewritten to the current version."""
    if version > event_cls.version:
        raise UnknownEventVersion(
            f"{event_cls.name} v{version} is newer than this code (v{event_cls.version})"
        )
    while version < event_cls.version:
        step = _UPCASTERS.get((event_cls.name, version))
        if step is None:
            raise UnknownEventVersion(
                f"no upcaster for {event_cls.name} v{version} -> v{version + 1}: "
                f"register one with @upcaster({event_cls.name!r}, from_version={version})"
            )
        payload = step(dict(payload))
        version += 1
    return payload


def decode(event_cls: type[Event], version: int, payload: dict[str, Any]) -> Event:
    """Rebuild an event from its JSON payload, upcasting old versions first."""
    return event_cls.model_validate(upcast(event_cls, version, payload))
