"""PUBLIC: the events the inventory module publishes."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from app.kernel.events import Event


class StockLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str
    quantity: int


class StockReserved(Event):
    name: ClassVar[str] = "inventory.StockReserved"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    lines: tuple[StockLine, ...]


class StockReservationFailed(Event):
    name: ClassVar[str] = "inventory.StockReservationFailed"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    unavailable_skus: tuple[str, ...]


class StockReleased(Event):
    """Reserved stock went back on the shelf; ``restocked`` when a sold order was returned."""

    name: ClassVar[str] = "inventory.StockReleased"
    key_field: ClassVar[str] = "order_id"

    order_id: int
    lines: tuple[StockLine, ...]
    restocked: bool
