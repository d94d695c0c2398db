"""Where an event's deliveries go, from the manifests and the topology.

Which modules consume an event is what their manifests' ``consumes`` say, not what the
publishing process happens to have subscribed. A consumer whose tables share the
publisher's database gets one outbox row per handler in the publisher's transaction, as in
the monolith. A consumer on another database gets ONE row per event in the publisher's
outbox, a *forward*: the relay hands it to the consumer's service
(:mod:`.forwarding`), which records it as rows of its own outbox, per handler, in its own
database (:mod:`.receiving`). Delivery state, retries, dead letters and the inbox live with
the consumer; no process writes another module's database. See ADR 0007.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.core.signals import setting_changed

from app.kernel import topology
from app.kernel.events.base import publisher_of
from app.kernel.events.bus import Delivery, bus
from app.kernel.modules import manifests


@dataclass(frozen=True)
class Forward:
    """One outbox row per event for a consuming module on another database; shaped like a
    :class:`~app.kernel.events.bus.BoundSubscription` so the outbox writes it the same way."""

    module: str
    delivery: Delivery = Delivery.FORWARD

    @property
    def handler_id(self) -> str:
        return f"{self.module}.*"


def shares_database(publisher: str, consumer: str) -> bool:
    """Do the two modules' tables live in one database? Asked of the topology itself, so
    every process answers the same (``topology.database_of`` is this process's alias)."""
    shape = topology.current()
    return shape.database_of(publisher) == shape.database_of(consumer)


@cache
def forwards_for(event_name: str) -> tuple[Forward, ...]:
    """A forward per module whose manifest consumes ``event_name`` on another database."""
    publisher = publisher_of(event_name)
    return tuple(
        Forward(name)
        for name, manifest in manifests().items()
        if event_name in manifest.consumes and not shares_database(publisher, name)
    )


def _forget(setting: str, **kwargs: object) -> None:
    if setting in {"SEAMS_TOPOLOGY", "SEAMS_SERVICE", "SEAMS_MODULES"}:
        forwards_for.cache_clear()
        bus.replan()


setting_changed.connect(_forget, dispatch_uid="seams.events.routing")
