"""Subscriptions and publishing.

``publish(*events)`` runs ``sync`` handlers at once, in the caller's transaction (their
failure propagates and rolls the publisher back), and hands ``after_commit`` and ``async``
deliveries to the outbox writer installed by the ``seams_events`` app (one multi-row INSERT
per ``publish`` call, in the caller's transaction). See docs/events.md.

This file imports no model: ``app.kernel.modules`` imports it while apps are still loading.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured

from app.kernel.events.base import Event, current_traceparent


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

    @property
    def delivery(self) -> Delivery:
        return self.subscription.delivery


OutboxWriter = Callable[[Sequence[tuple[Event, Sequence[BoundSubscription]]]], None]
RunAs = Callable[[str | None], AbstractContextManager[None]]


class EventBus:
    def __init__(self) -> None:
        self._by_event: dict[str, list[BoundSubscription]] = defaultdict(list)
        self._by_handler: dict[tuple[str, str], BoundSubscription] = {}
        # per event name: (sync handlers as (module, fn), deferred subscriptions)
        self._plan: dict[str, tuple[tuple[tuple[str, Callable], ...], tuple]] = {}
        self._outbox: OutboxWriter | None = None
        self._run_as: RunAs | None = None

    # -- wiring ------------------------------------------------------------------------
    def subscribe_all(self, module: str, subscriptions: Iterable[Subscription]) -> None:
        for subscription in subscriptions:
            bound = BoundSubscription(module, subscription)
            key = (subscription.event.name, bound.handler_id)
            if key in self._by_handler:
                raise ImproperlyConfigured(
                    f"{bound.handler_id} subscribes twice to {subscription.event.name}"
                )
            self._by_event[subscription.event.name].append(bound)
            self._by_handler[key] = bound
        self._plan.clear()

    def unsubscribe_all(self, module: str) -> None:
        """Drop every subscription of ``module`` (tests wiring a throwaway module)."""
        for bounds in self._by_event.values():
            bounds[:] = [b for b in bounds if b.module != module]
        self._by_handler = {k: b for k, b in self._by_handler.items() if b.module != module}
        self._plan.clear()

    def install(self, *, outbox: OutboxWriter, run_as: RunAs) -> None:
        """Called by the ``seams_events`` app's ready(): where after_commit/async deliveries
        go, and how a handler runs as its module (``ownership.acting_as``). Injected because
        ``app.kernel.modules`` imports this file before apps are ready."""
        self._outbox = outbox
        self._run_as = run_as

    def run_as(self, module: str | None) -> AbstractContextManager[None]:
        if self._run_as is None:
            raise ImproperlyConfigured("the event bus needs 'app.kernel.events' in INSTALLED_APPS")
        return self._run_as(module)

    # -- lookups -------------------------------------------------------------------------
    def subscriptions_for(self, event_name: str) -> list[BoundSubscription]:
        return list(self._by_event.get(event_name, ()))

    def subscription(self, event_name: str, handler_id: str) -> BoundSubscription | None:
        return self._by_handler.get((event_name, handler_id))

    def all_subscriptions(self) -> list[BoundSubscription]:
        return [b for bounds in self._by_event.values() for b in bounds]

    def _plan_for(self, name: str) -> tuple[tuple[tuple[str, Callable], ...], tuple]:
        plan = self._plan.get(name)
        if plan is None:
            bounds = self._by_event.get(name, ())
            sync = tuple(
                (b.module, b.subscription.handler) for b in bounds if b.delivery is Delivery.SYNC
            )
            deferred = tuple(b for b in bounds if b.delivery is not Delivery.SYNC)
            plan = self._plan[name] = (sync, deferred)
        return plan

    # -- publishing ----------------------------------------------------------------------
    def publish(self, *events: Event) -> None:
        """Publish events in the caller's transaction (call it inside ``transaction.atomic``).

        Sync handlers run now, each as its module; deferred deliveries of all ``events`` are
        written to the outbox in one INSERT. Events without a ``traceparent`` get the current
        trace context.
        """
        deferred_rows = []
        for event in events:
            if event.traceparent is None:
                event = event.model_copy(update={"traceparent": current_traceparent()})
            sync, deferred = self._plan_for(event.name)
            if sync:
                run_as = self._run_as or self.run_as
                for module, handler in sync:
                    with run_as(module):
                        handler(event)
            if deferred:
                deferred_rows.append((event, deferred))
        if deferred_rows:
            if self._outbox is None:
                raise ImproperlyConfigured(
                    "after_commit/async deliveries need 'app.kernel.events' in INSTALLED_APPS"
                )
            self._outbox(deferred_rows)


bus = EventBus()


def publish(*events: Event) -> None:
    """Publish one or more events; see :meth:`EventBus.publish`."""
    bus.publish(*events)
