"""PUBLIC: the events the orders module publishes."""

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from app.kernel.events import Event

CancellationReason = Literal[
    "out_of_stock", "payment_declined", "cancelled_by_customer", "timed_out"
]


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str
    quantity: int
    unit_price: Decimal


class OrderPlaced(Event):
    name: ClassVar[str] = "orders.OrderPlaced"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    customer_id: int
    lines: tuple[OrderLine, ...]
    total: Decimal
    currency: str


class OrderConfirmed(Event):
    name: ClassVar[str] = "orders.OrderConfirmed"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    customer_id: int
    lines: tuple[OrderLine, ...]
    total: Decimal
    currency: str


class OrderCancelled(Event):
    """``was_confirmed`` is true when a confirmed order is cancelled (refund and restock)."""

    name: ClassVar[str] = "orders.OrderCancelled"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    customer_id: int
    reason: CancellationReason
    was_confirmed: bool
    lines: tuple[OrderLine, ...]
    total: Decimal
    currency: str
