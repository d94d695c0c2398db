"""The notifications module's subscription table, applied by its AppConfig.

Every delivery is ``async`` (through the outbox and this module's queue): a notification can
never block or fail a checkout. Handlers are idempotent twice over: the bus's inbox skips a
redelivered event, and ``(order_id, kind)`` is unique here.
"""

from app.kernel.events import Delivery, Subscription
from modules.notifications import messages, services
from modules.notifications.models import Notification
from modules.orders.events import OrderCancelled, OrderConfirmed


def notify_order_confirmed(event: OrderConfirmed) -> None:
    services.notification_create(
        customer_id=event.customer_id,
        order_id=event.order_id,
        kind=Notification.Kind.ORDER_CONFIRMED,
        message=messages.order_confirmed(
            order_id=event.order_id, total=event.total, currency=event.currency
        ),
    )


def notify_order_cancelled(event: OrderCancelled) -> None:
    services.notification_create(
        customer_id=event.customer_id,
        order_id=event.order_id,
        kind=Notification.Kind.ORDER_CANCELLED,
        message=messages.order_cancelled(
            order_id=event.order_id,
            reason=event.reason,
            was_confirmed=event.was_confirmed,
            total=event.total,
            currency=event.currency,
        ),
    )


SUBSCRIPTIONS = (
    Subscription(OrderConfirmed, notify_order_confirmed, Delivery.ASYNC),
    Subscription(OrderCancelled, notify_order_cancelled, Delivery.ASYNC),
)
