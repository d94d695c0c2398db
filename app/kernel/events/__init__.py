"""Typed events and the bus that delivers them: ``sync``, ``after_commit`` or ``async``.

Public surface for modules::

    from app.kernel.events import Delivery, Event, Subscription, publish, upcaster

    # modules/<name>/handlers.py: the module's subscription table
    SUBSCRIPTIONS = (
        Subscription(event=OrderPlaced, handler=order_placed_reserve, delivery=Delivery.ASYNC),
    )

    # in a service, inside its transaction (topology.atomic_on(<one of its models>)):
    publish(OrderPlaced(order_id=..., ...))      # outbox rows: one INSERT per transaction

Handler id: ``"<module>.<function name>"``; a handler takes the event instance and runs as its
module (``ownership.acting_as``). Async handlers must tolerate redelivery (the inbox makes a
handler's own DB writes happen once; calls to other modules must be idempotent by id). A
``Subscription(..., atomic=False)`` handler runs outside the delivery's transaction and
commits its own; it must be idempotent as a whole (see docs/events.md).

Tests (shop code): async and after_commit deliveries are outbox rows. Under pytest the
embedded transport drains them right after each real commit (``transaction=True`` tests).
In ordinary ``django_db`` tests nothing ever commits, so run them yourself::

    from app.kernel.events.testing import drain

    order_place(...)            # publishes OrderPlaced
    drain()                     # runs every pending delivery, and those they publish, to the end

``drain()`` returns the number of deliveries run; retries do not wait for their backoff, so a
failing handler ends parked as dead (``OutboxMessage.status == "dead"``) instead of hanging.
The pytest fixture ``deliver_events`` (in ``app.kernel.events.testing``) yields ``drain``.
See docs/events.md.
"""

from app.kernel.events.base import Event, upcaster
from app.kernel.events.bus import Delivery, Subscription, bus, publish

__all__ = ("Delivery", "Event", "Subscription", "bus", "publish", "upcaster")
