"""Writes of the inventory module, one function per action, named ``<entity>_<action>``.

Each write locks the stock rows it changes (``SELECT … FOR UPDATE``, in SKU order so two
writers never deadlock) and checks availability under the lock, so stock is never oversold.
Reservation moves are idempotent per order: the unique :class:`Reservation` row records
the outcome and a repeated call returns it without moving stock again.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.kernel.events import publish
from app.kernel.topology import atomic_on, create_unless_taken
from modules.inventory.events import (
    StockLine,
    StockReleased,
    StockReservationFailed,
    StockReserved,
)
from modules.inventory.models import Reservation, StockItem

MAX_ADJUST = 1_000_000


class InventoryError(Exception):
    """The caller asked for something inventory's rules forbid."""


class StockConflict(InventoryError):
    """The request is valid but the current stock does not allow it."""


def merge_lines(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Quantities per SKU, duplicates summed, in SKU order; every quantity must be positive."""
    merged: dict[str, int] = {}
    for sku, quantity in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise InventoryError(f"quantity for {sku!r} must be a positive integer")
        merged[sku] = merged.get(sku, 0) + quantity
    return dict(sorted(merged.items()))


def _stock_lines(lines: list[dict]) -> tuple[StockLine, ...]:
    return tuple(StockLine(sku=line["sku"], quantity=line["quantity"]) for line in lines)


def _locked_items(skus: Iterable[str]) -> dict[str, StockItem]:
    rows = StockItem.objects.select_for_update().filter(sku__in=list(skus)).order_by("sku")
    return {item.sku: item for item in rows}


def _reservation_locked(order_id: int) -> Reservation | None:
    return Reservation.objects.select_for_update().filter(order_id=order_id).first()


def stock_reserve(*, order_id: int, lines: Iterable[tuple[str, int]]) -> Reservation:
    """Reserve every line for ``order_id`` or none of them; once per order.

    The stock rows are locked and the outcome inserted first; only when the order has a
    reservation already (a repeated call, a concurrent one, a release's tombstone) is that
    one read, unlocked, and returned as it was last committed, with no stock moved."""
    wanted = merge_lines(lines)
    if not wanted:
        raise InventoryError("a reservation needs at least one line")
    line_dicts = [{"sku": sku, "quantity": qty} for sku, qty in wanted.items()]
    while True:
        with atomic_on(StockItem):
            items = _locked_items(wanted)
            short = [
                sku
                for sku, quantity in wanted.items()
                if sku not in items or items[sku].available < quantity
            ]
            reservation = create_unless_taken(
                Reservation,
                order_id=order_id,
                status=Reservation.Status.FAILED if short else Reservation.Status.RESERVED,
                lines=line_dicts,
                unavailable_skus=short,
            )
            if reservation is None:
                if existing := Reservation.objects.filter(order_id=order_id).first():
                    return existing
                continue
            if short:
                publish(StockReservationFailed(order_id=order_id, unavailable_skus=tuple(short)))
                return reservation
            for sku, quantity in wanted.items():
                items[sku].reserved += quantity
                items[sku].save(update_fields=("reserved", "updated_at"))
            publish(StockReserved(order_id=order_id, lines=_stock_lines(line_dicts)))
            return reservation


def stock_release(*, order_id: int) -> Reservation:
    """Put reserved stock back on the shelf (compensation); once per order.

    Failed and released reservations are returned as they are; a sold one must be
    restocked instead. With no reservation yet, a ``released`` tombstone is recorded so a
    late ``stock_reserve`` for the order reserves nothing.
    """
    while True:
        with atomic_on(StockItem):
            reservation = _reservation_locked(order_id)
            if reservation is None:
                reservation = create_unless_taken(
                    Reservation, order_id=order_id, status=Reservation.Status.RELEASED, lines=[]
                )
                if reservation is None:
                    continue
                return reservation
            if reservation.status in (Reservation.Status.SOLD, Reservation.Status.RESTOCKED):
                raise StockConflict(f"order {order_id}'s stock was sold; restock it instead")
            if reservation.status != Reservation.Status.RESERVED:
                return reservation
            items = _locked_items(line["sku"] for line in reservation.lines)
            for line in reservation.lines:
                item = items[line["sku"]]
                item.reserved -= line["quantity"]
                item.save(update_fields=("reserved", "updated_at"))
            reservation.status = Reservation.Status.RELEASED
            reservation.save(update_fields=("status", "updated_at"))
            publish(
                StockReleased(
                    order_id=order_id, lines=_stock_lines(reservation.lines), restocked=False
                )
            )
            return reservation


@atomic_on(StockItem)
def stock_commit(*, order_id: int) -> Reservation:
    """Turn the order's reservation into a sale (units leave ``on_hand``); once per order."""
    reservation = _reservation_locked(order_id)
    if reservation is None:
        raise StockConflict(f"order {order_id} has no reservation")
    if reservation.status in (Reservation.Status.SOLD, Reservation.Status.RESTOCKED):
        return reservation
    if reservation.status != Reservation.Status.RESERVED:
        raise StockConflict(f"order {order_id}'s reservation is {reservation.status}")
    items = _locked_items(line["sku"] for line in reservation.lines)
    for line in reservation.lines:
        item = items[line["sku"]]
        item.reserved -= line["quantity"]
        item.on_hand -= line["quantity"]
        item.sold += line["quantity"]
        item.save(update_fields=("reserved", "on_hand", "sold", "updated_at"))
    reservation.status = Reservation.Status.SOLD
    reservation.save(update_fields=("status", "updated_at"))
    return reservation


@atomic_on(StockItem)
def stock_restock(*, order_id: int) -> Reservation:
    """Put a sold order's units back on hand (a confirmed order was cancelled); once."""
    reservation = _reservation_locked(order_id)
    if reservation is None:
        raise StockConflict(f"order {order_id} has no reservation")
    if reservation.status == Reservation.Status.RESTOCKED:
        return reservation
    if reservation.status != Reservation.Status.SOLD:
        raise StockConflict(f"order {order_id}'s stock is {reservation.status}, not sold")
    items = _locked_items(line["sku"] for line in reservation.lines)
    for line in reservation.lines:
        item = items[line["sku"]]
        item.on_hand += line["quantity"]
        item.returned += line["quantity"]
        item.save(update_fields=("on_hand", "returned", "updated_at"))
    reservation.status = Reservation.Status.RESTOCKED
    reservation.save(update_fields=("status", "updated_at"))
    publish(StockReleased(order_id=order_id, lines=_stock_lines(reservation.lines), restocked=True))
    return reservation


@atomic_on(StockItem)
def stock_adjust(*, sku: str, delta: int) -> StockItem:
    """Restock (``delta > 0``) or write off (``delta < 0``) units of a SKU.

    The caller has checked that the SKU exists in the catalog; the stock row is created on
    first use. A write-off may not take ``on_hand`` below what is reserved.
    """
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InventoryError("delta must be a non-zero integer")
    if abs(delta) > MAX_ADJUST:
        raise InventoryError(f"|delta| must be at most {MAX_ADJUST}")
    StockItem.objects.get_or_create(sku=sku)
    item = StockItem.objects.select_for_update().get(sku=sku)
    if delta > 0:
        item.on_hand += delta
        item.received += delta
    else:
        if item.on_hand + delta < item.reserved:
            raise StockConflict(
                f"cannot write off {-delta} of {sku}: {item.available} available "
                f"({item.on_hand} on hand, {item.reserved} reserved)"
            )
        item.on_hand += delta
        item.written_off -= delta
    item.save(update_fields=("on_hand", "received", "written_off", "updated_at"))
    return item
