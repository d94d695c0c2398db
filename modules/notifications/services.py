"""Writes of the notifications module, one function per action, named ``<entity>_<action>``."""

from __future__ import annotations

from app.kernel.topology import create_unless_taken
from modules.notifications.models import Notification


def notification_create(
    *, customer_id: int, order_id: int, kind: str, message: str
) -> tuple[Notification, bool]:
    """Create the notification for (order, kind) unless it exists: redelivery is harmless.

    Returns ``(notification, created)``.
    """
    notification = create_unless_taken(
        Notification, customer_id=customer_id, order_id=order_id, kind=kind, message=message
    )
    if notification is None:  # there already: a redelivery, or a concurrent delivery won
        return Notification.objects.get(order_id=order_id, kind=kind), False
    return notification, True
