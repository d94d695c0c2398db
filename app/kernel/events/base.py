"""The event base class: immutable, typed, versioned, JSON-serialisable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of every event. Subclasses live in the publisher's ``events.py``.

    Set ``name`` (``"<module>.<PastTense>"``) and ``version``; ``key_field`` names the field
    whose value orders deliveries (events with the same key are handled in publish order).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ClassVar[str]
    version: ClassVar[int] = 1
    key_field: ClassVar[str | None] = None

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: datetime = Field(default_factory=_now)
    traceparent: str | None = None

    @property
    def key(self) -> str | None:
        return None if self.key_field is None else str(getattr(self, self.key_field))
