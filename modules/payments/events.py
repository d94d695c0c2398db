"""PUBLIC: the events the payments module publishes."""

from decimal import Decimal
from typing import ClassVar

from app.kernel.events import Event


class PaymentCaptured(Event):
    name: ClassVar[str] = "payments.PaymentCaptured"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    customer_id: int
    amount: Decimal
    currency: str


class PaymentDeclined(Event):
    name: ClassVar[str] = "payments.PaymentDeclined"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    customer_id: int
    amount: Decimal
    currency: str
    reason: str


class PaymentRefunded(Event):
    name: ClassVar[str] = "payments.PaymentRefunded"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    customer_id: int
    amount: Decimal
    currency: str
