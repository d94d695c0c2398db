"""PUBLIC: the inventory module's typed functions and the DTOs they take and return.

Reservation moves (``stock_reserve``, ``stock_release``, ``stock_commit``,
``stock_restock``) are idempotent per ``order_id``: call them again and you get the
recorded outcome, with no second stock movement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.kernel.ownership import module_api
from modules.inventory import selectors, services
from modules.inventory.models import Reservation, StockItem

ReservationStatus = Literal["reserved", "failed", "released", "sold", "restocked"]


@dataclass(frozen=True)
class StockLevel:
    sku: str
    on_hand: int
    reserved: int
    available: int


@dataclass(frozen=True)
class ReservationLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class ReservationResult:
    """``reserved`` is true while the order holds its stock (reserved, or sold after commit)."""

    order_id: int
    status: ReservationStatus
    reserved: bool
    lines: tuple[ReservationLine, ...]
    unavailable_skus: tuple[str, ...]


class StockUnavailableError(Exception):
    """The move asked for does not fit the reservation's state (e.g. commit after release)."""


@module_api(idempotent=True)
def availability(*, skus: list[str] | tuple[str, ...]) -> dict[str, StockLevel]:
    """Stock levels for each SKU asked for; zeros for a SKU never stocked."""
    items = selectors.stock_items(skus=skus)
    return {sku: _stock_level(items.get(sku), sku) for sku in skus}


@module_api(idempotent=True)
def stock_reserve(
    *, order_id: int, lines: tuple[ReservationLine, ...] | list[ReservationLine]
) -> ReservationResult:
    """Reserve all lines for the order or none (``status == "failed"``); once per order."""
    reservation = services.stock_reserve(
        order_id=order_id, lines=[(line.sku, line.quantity) for line in lines]
    )
    return _reservation_result(reservation)


@module_api(idempotent=True)
def stock_release(*, order_id: int) -> ReservationResult:
    """Compensation: give the order's reserved units back; once per order."""
    return _call(services.stock_release, order_id=order_id)


@module_api(idempotent=True)
def stock_commit(*, order_id: int) -> ReservationResult:
    """The order was confirmed: its reserved units are sold; once per order."""
    return _call(services.stock_commit, order_id=order_id)


@module_api(idempotent=True)
def stock_restock(*, order_id: int) -> ReservationResult:
    """A confirmed order was cancelled: its sold units go back on hand; once per order."""
    return _call(services.stock_restock, order_id=order_id)


def _call(service, *, order_id: int) -> ReservationResult:
    try:
        return _reservation_result(service(order_id=order_id))
    except services.StockConflict as exc:
        raise StockUnavailableError(str(exc)) from exc


# ---------------------------------------------------------------------------
# ORM → DTO, in one place
# ---------------------------------------------------------------------------
def _stock_level(item: StockItem | None, sku: str) -> StockLevel:
    if item is None:
        return StockLevel(sku=sku, on_hand=0, reserved=0, available=0)
    return StockLevel(
        sku=item.sku, on_hand=item.on_hand, reserved=item.reserved, available=item.available
    )


def _reservation_result(reservation: Reservation) -> ReservationResult:
    return ReservationResult(
        order_id=reservation.order_id,
        status=reservation.status,
        reserved=reservation.status in (Reservation.Status.RESERVED, Reservation.Status.SOLD),
        lines=tuple(
            ReservationLine(sku=line["sku"], quantity=line["quantity"])
            for line in reservation.lines
        ),
        unavailable_skus=tuple(reservation.unavailable_skus),
    )
