"""The orders module's subscription table, applied by its AppConfig.

Orders drives its own checkout saga: the async delivery of ``OrderPlaced`` (through the
outbox, so it survives a crash of the process that placed the order) runs the saga. A
redelivery resumes from the persisted saga state; a finished saga is left alone.

``atomic=False``: the saga commits one short transaction per decision and per record and
calls inventory and payments between them, so it must not run inside the delivery's
transaction (that would hold the order's lock across those calls, see ADR 0008).
"""

from app.kernel.events import Delivery, Subscription
from modules.orders import checkout
from modules.orders.events import OrderPlaced


def saga_start(event: OrderPlaced) -> None:
    """Run the checkout saga of the placed order (idempotent: resumes or does nothing)."""
    checkout.saga_advance(order_id=event.order_id, lines=event.lines)


SUBSCRIPTIONS = (Subscription(OrderPlaced, saga_start, Delivery.ASYNC, atomic=False),)
