"""Typed events and the bus that delivers them: ``sync``, ``after_commit`` or ``async``.

Public surface for modules::

    from app.kernel.events import Event, Subscription, publish
"""

from app.kernel.events.base import Event
from app.kernel.events.bus import Delivery, Subscription, bus, publish

__all__ = ("Delivery", "Event", "Subscription", "bus", "publish")
