"""The analytics module's subscription table, applied by its AppConfig.

``async`` deliveries only: analytics can never block or fail a checkout. Idempotent twice
over: the bus's inbox, and one :class:`OrderFact` per order id.
"""

from app.kernel.events import Delivery, Subscription
from modules.analytics import services
from modules.orders.events import OrderCancelled, OrderConfirmed


def _lines(event: OrderConfirmed | OrderCancelled):
    return [(line.sku, line.quantity, line.unit_price) for line in event.lines]


def record_sale(event: OrderConfirmed) -> None:
    services.sale_record(
        order_id=event.order_id,
        customer_id=event.customer_id,
        lines=_lines(event),
        total=event.total,
        currency=event.currency,
        confirmed_at=event.occurred_at,
    )


def reverse_sale(event: OrderCancelled) -> None:
    if not event.was_confirmed:
        return  # never counted: nothing to take back
    services.sale_reverse(
        order_id=event.order_id,
        customer_id=event.customer_id,
        lines=_lines(event),
        total=event.total,
        currency=event.currency,
        cancelled_at=event.occurred_at,
    )


SUBSCRIPTIONS = (
    Subscription(OrderConfirmed, record_sale, Delivery.ASYNC),
    Subscription(OrderCancelled, reverse_sale, Delivery.ASYNC),
)
