"""What the saga's redelivery tests hand to the ``OrderPlaced`` handler again."""

from __future__ import annotations

from modules.orders.events import OrderPlaced
from modules.orders.models import Order
from modules.orders.services import event_line


def order_placed(order: Order) -> OrderPlaced:
    """The ``OrderPlaced`` of ``order`` as a redelivery carries it: its lines included."""
    return OrderPlaced(
        order_id=order.pk,
        customer_id=order.customer_id,
        lines=tuple(event_line(line) for line in order.lines.all()),
        total=order.total,
        currency=order.currency,
    )
