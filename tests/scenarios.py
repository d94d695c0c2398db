"""Scenario helpers for asynchronous tests: do something (publish an event, call an api or
an endpoint), then wait for an event to be published or for a state to hold, bounded.

    def test_confirmed_order_is_reviewable(scenario):
        scenario.publish(confirmed_order)                      # or call a service / the API
        scenario.wait_for_event(ReviewRequested, where=lambda e: e.order_id == 7)
        scenario.wait_for(lambda: Review.objects.filter(order_id=7).exists(), what="review")

Each poll first delivers what is pending in this process (:func:`drain`, the embedded
transport tests use), so handlers run as they would on a worker; a real worker elsewhere
delivers on its own and the wait simply polls. Giving up is a failure naming what never
happened (:func:`tests.waiting.wait_for`); no timing is asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from app.kernel.events import Event, bus, publish
from app.kernel.events.testing import drain
from app.kernel.ownership import acting_as
from tests.waiting import wait_for as _wait_for

T = TypeVar("T")
E = TypeVar("E", bound=Event)


class Scenario:
    """Records every event published while it is active (``scenario`` fixture)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.published: list[Event] = []

    def _record(self, publish_now: Callable[..., None]) -> Callable[..., None]:
        def recording(*events: Event) -> None:
            publish_now(*events)
            self.published.extend(events)

        return recording

    def publish(self, *events: Event, module: str | None = None) -> None:
        """Publish ``events`` as ``module`` (default: the module that owns the first one)."""
        owner = module or events[0].name.split(".", 1)[0]
        with acting_as(owner):
            publish(*events)

    def events(self, event_type: type[E], where: Callable[[E], bool] = lambda _: True) -> list[E]:
        """The ``event_type`` events published so far that satisfy ``where``."""
        return [e for e in self.published if isinstance(e, event_type) and where(e)]

    def wait_for(
        self, predicate: Callable[[], T], *, timeout: float | None = None, what: str = "state"
    ) -> T:
        """``predicate()``'s first truthy value, delivering pending events before each poll."""

        def delivered_then(predicate=predicate) -> T:
            drain()
            return predicate()

        return _wait_for(delivered_then, timeout or self.timeout, what)

    def wait_for_event(
        self,
        event_type: type[E],
        *,
        where: Callable[[E], bool] = lambda _: True,
        timeout: float | None = None,
    ) -> E:
        """The first published ``event_type`` satisfying ``where``, waiting for it."""
        found = self.wait_for(
            lambda: self.events(event_type, where), timeout=timeout, what=event_type.__name__
        )
        return found[0]


@pytest.fixture
def scenario(db, monkeypatch) -> Scenario:
    """A :class:`Scenario` recording what the test's code publishes."""
    recorder = Scenario()
    monkeypatch.setattr(bus, "publish", recorder._record(bus.publish))
    return recorder
