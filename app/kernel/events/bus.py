"""Subscriptions and publishing.

PROVISIONAL: async deliveries run in process after commit until the outbox lands
(issue 4); the public names here (``publish``, ``Subscription``, ``Delivery``) stay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction

from app.kernel.events.base import Event


class Delivery(StrEnum):
    SYNC = "sync"
    AFTER_COMMIT = "after_commit"
    ASYNC = "async"


@dataclass(frozen=True)
class Subscription:
    """One row of a module's subscription table (``handlers.SUBSCRIPTIONS``)."""

    event: type[Event]
    handler: Callable[[Event], None]
    delivery: Delivery = Delivery.ASYNC


@dataclass(frozen=True)
class BoundSubscription:
    module: str
    subscription: Subscription

    @property
    def handler_id(self) -> str:
        return f"{self.module}.{self.subscription.handler.__name__}"


class EventBus:
    def __init__(self) -> None:
        self._by_event: dict[str, list[BoundSubscription]] = defaultdict(list)

    def subscribe_all(self, module: str, subscriptions: Iterable[Subscription]) -> None:
        for subscription in subscriptions:
            self._by_event[subscription.event.name].append(BoundSubscription(module, subscription))

    def subscriptions_for(self, event_name: str) -> list[BoundSubscription]:
        return list(self._by_event.get(event_name, ()))

    def publish(self, event: Event) -> None:
        for bound in self.subscriptions_for(event.name):
            handler = bound.subscription.handler
            if bound.subscription.delivery is Delivery.SYNC:
                handler(event)
            else:
                transaction.on_commit(lambda h=handler: h(event))


bus = EventBus()
publish = bus.publish
