"""Subscriptions and publishing.

``publish(*events)`` runs ``sync`` handlers at once, in the caller's transaction (their
failure propagates and rolls the publisher back), and hands ``after_commit`` and ``async``
deliveries to the outbox writer installed by the ``seams_events`` app (their rows join the
caller's transaction: one multi-row INSERT per transaction, at its commit). See docs/events.md.

This file imports no model: ``app.kernel.modules`` imports it while apps are still loading.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from app.kernel.events.base import Event, publisher_of
from app.kernel.observability import metrics
from app.kernel.observability.tracing import current_traceparent, module_span


class Delivery(StrEnum):
    SYNC = "sync"
    AFTER_COMMIT = "after_commit"
    ASYNC = "async"
    # outbox rows only, never a subscription's delivery: one row per event for a consuming
    # module on another database (FORWARD, in the publisher's outbox), and the rows that
    # module's service records from it, per handler (RECEIVED, in its own outbox)
    FORWARD = "forward"
    RECEIVED = "received"


@dataclass(frozen=True)
class Subscription:
    """One row of a module's subscription table (``handlers.SUBSCRIPTIONS``).

    ``atomic=False`` (``async``/``after_commit`` only): the handler does not run inside the
    delivery's transaction. It commits its own transactions and must be idempotent: its
    inbox entry is written after it returns, so a crash in between runs it again. The inbox
    is still checked first, so a redelivery after success does not run it.
    """

    event: type[Event]
    handler: Callable[[Event], None]
    delivery: Delivery = Delivery.ASYNC
    atomic: bool = True

    def __post_init__(self) -> None:
        if not self.atomic and self.delivery is Delivery.SYNC:
            raise ImproperlyConfigured(
                f"{self.handler.__name__}: a sync handler runs in the publisher's transaction; "
                "atomic=False is for async and after_commit deliveries"
            )


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


class Routing(Protocol):
    """Which subscribers share the publisher's database, and the forwards to the others
    (:mod:`app.kernel.events.routing`, injected: this file cannot import the manifests)."""

    def shares_database(self, publisher: str, consumer: str) -> bool: ...

    def forwards_for(self, event_name: str) -> tuple[Any, ...]: ...


class EventBus:
    def __init__(self) -> None:
        self._by_event: dict[str, list[BoundSubscription]] = defaultdict(list)
        self._by_handler: dict[tuple[str, str], BoundSubscription] = {}
        # per event name: (sync handlers grouped by module, deferred subscriptions)
        self._plan: dict[str, tuple[tuple[tuple[str, tuple[Callable, ...]], ...], tuple]] = {}
        self._outbox: OutboxWriter | None = None
        self._run_as: RunAs | None = None
        self._module_var: ContextVar[str | None] | None = None
        self._routing: Routing | None = None

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

    def install(
        self,
        *,
        outbox: OutboxWriter,
        run_as: RunAs,
        module_var: ContextVar[str | None] | None = None,
        routing: Routing | None = None,
    ) -> None:
        """Called by the ``seams_events`` app's ready(): where after_commit/async deliveries
        go, and how a handler runs as its module (``ownership.acting_as``). Injected because
        ``app.kernel.modules`` imports this file before apps are ready. ``module_var``, the
        ContextVar behind ``acting_as``, lets sync dispatch set it without a generator-based
        context manager (same effect, a third of the cost). ``routing``: consumers on
        another database get forwards instead of per-handler rows (none: all local)."""
        self._outbox = outbox
        self._run_as = run_as
        self._module_var = module_var
        self._routing = routing
        self._plan.clear()

    def replan(self) -> None:
        """Forget the cached delivery plans (the topology changed: tests)."""
        self._plan.clear()

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

    def _plan_for(self, name: str) -> tuple[tuple[tuple[str, tuple[Callable, ...]], ...], tuple]:
        """Cached per event name: sync handlers grouped by module in subscription order (one
        ``acting_as`` per run of same-module handlers), and the deferred subscriptions."""
        plan = self._plan.get(name)
        if plan is None:
            bounds, forwards = self._route(name)
            groups: list[tuple[str, list[Callable]]] = []
            for b in bounds:
                if b.delivery is not Delivery.SYNC:
                    continue
                if groups and groups[-1][0] == b.module:
                    groups[-1][1].append(b.subscription.handler)
                else:
                    groups.append((b.module, [b.subscription.handler]))
            sync = tuple((module, tuple(handlers)) for module, handlers in groups)
            deferred = tuple(b for b in bounds if b.delivery is not Delivery.SYNC) + forwards
            plan = self._plan[name] = (sync, deferred)
        return plan

    def _route(self, name: str) -> tuple[list[BoundSubscription], tuple[Any, ...]]:
        """The subscriptions of ``name`` on the publisher's database, and the forwards."""
        bounds = self._by_event.get(name, [])
        if self._routing is None:
            return bounds, ()
        publisher = publisher_of(name)
        local = [b for b in bounds if self._routing.shares_database(publisher, b.module)]
        for b in bounds:
            if b not in local and b.delivery is Delivery.SYNC:
                raise ImproperlyConfigured(
                    f"{b.handler_id} is a sync handler of {name} on another database than "
                    f"its publisher's (`manage.py topology check` reports it as seams.E011)"
                )
        return local, self._routing.forwards_for(name)

    # -- publishing ----------------------------------------------------------------------
    def _dispatch(self, sync: tuple[tuple[str, tuple[Callable, ...]], ...], event: Event) -> None:
        var = self._module_var
        if var is None:
            for module, handlers in sync:
                with self.run_as(module):
                    for handler in handlers:
                        run_observed(module, handler, event, Delivery.SYNC)
            return
        for module, handlers in sync:
            token = var.set(module)
            try:
                for handler in handlers:
                    run_observed(module, handler, event, Delivery.SYNC)
            finally:
                var.reset(token)

    def publish(self, *events: Event) -> None:
        """Publish events in the caller's transaction (inside ``topology.atomic_on(Model)``).

        Sync handlers run now, each as its module; deferred deliveries become outbox rows of
        the caller's transaction (all rows of a transaction in one INSERT, at its commit).
        Events without a ``traceparent`` get the current trace context.
        """
        deferred_rows = []
        for event in events:
            if event.traceparent is None:
                event = event.model_copy(update={"traceparent": current_traceparent()})
            metrics.event_published(event.name)
            sync, deferred = self._plan_for(event.name)
            if sync:
                self._dispatch(sync, event)
            if deferred:
                deferred_rows.append((event, deferred))
        if deferred_rows:
            if self._outbox is None:
                raise ImproperlyConfigured(
                    "after_commit/async deliveries need 'app.kernel.events' in INSTALLED_APPS"
                )
            self._outbox(deferred_rows)


def run_observed(
    module: str, handler: Callable[[Event], None], event: Event, delivery: str
) -> None:
    """Call ``handler`` inside its module-entry span, counted and timed (the caller has made
    it act as ``module``)."""
    name = handler.__name__
    with (
        module_span(module, "handler", name, delivery, event=event.name),
        metrics.handler_run(module, f"{module}.{name}", event.name, delivery),
    ):
        handler(event)


bus = EventBus()


def publish(*events: Event) -> None:
    """Publish one or more events; see :meth:`EventBus.publish`."""
    bus.publish(*events)
