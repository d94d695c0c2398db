"""Inventory services and api: adjust, reserve all-or-none, release, commit, restock."""

import pytest

from modules.inventory import api, services
from modules.inventory.models import Reservation, StockItem
from tests.e2e.goods import product, restock, stock

pytestmark = pytest.mark.django_db

L = api.ReservationLine


def _consistent(sku: str) -> None:
    item = StockItem.objects.get(sku=sku)
    assert item.on_hand == item.received - item.written_off - item.sold + item.returned
    assert 0 <= item.reserved <= item.on_hand


def test_availability_is_zero_for_a_sku_never_stocked():
    assert api.availability(skus=["NEVER"]) == {
        "NEVER": api.StockLevel(sku="NEVER", on_hand=0, reserved=0, available=0)
    }


def test_adjust_restocks_and_writes_off():
    restock("A", 10)
    services.stock_adjust(sku="A", delta=-3)
    assert stock("A") == api.StockLevel(sku="A", on_hand=7, reserved=0, available=7)
    _consistent("A")


@pytest.mark.parametrize("delta", [0, True, 1.5, "3", services.MAX_ADJUST + 1])
def test_adjust_rejects_bad_deltas(delta):
    with pytest.raises(services.InventoryError):
        services.stock_adjust(sku="A", delta=delta)


def test_write_off_cannot_touch_reserved_units():
    restock("A", 5)
    api.stock_reserve(order_id=1, lines=(L("A", 3),))
    with pytest.raises(services.StockConflict):
        services.stock_adjust(sku="A", delta=-3)
    services.stock_adjust(sku="A", delta=-2)
    assert stock("A") == api.StockLevel(sku="A", on_hand=3, reserved=3, available=0)


def test_reserve_takes_every_line_or_none():
    restock("A", 5)
    restock("B", 1)
    failed = api.stock_reserve(order_id=1, lines=(L("A", 2), L("B", 2), L("C", 1)))
    assert failed.status == "failed" and not failed.reserved
    assert failed.unavailable_skus == ("B", "C")
    assert stock("A").reserved == 0 and stock("B").reserved == 0
    ok = api.stock_reserve(order_id=2, lines=(L("A", 2), L("B", 1)))
    assert ok.status == "reserved" and ok.reserved
    assert stock("A").available == 3 and stock("B").available == 0


def test_reserve_merges_duplicate_skus():
    restock("A", 5)
    result = api.stock_reserve(order_id=1, lines=(L("A", 2), L("A", 3)))
    assert result.lines == (L("A", 5),)
    assert stock("A").available == 0


def test_reserve_is_idempotent_per_order():
    restock("A", 5)
    first = api.stock_reserve(order_id=1, lines=(L("A", 2),))
    again = api.stock_reserve(order_id=1, lines=(L("A", 2),))
    assert first == again
    assert stock("A").reserved == 2


def test_failed_reservation_stays_failed_after_restock():
    api.stock_reserve(order_id=1, lines=(L("A", 2),))
    restock("A", 5)
    assert api.stock_reserve(order_id=1, lines=(L("A", 2),)).status == "failed"
    assert stock("A").reserved == 0


def test_release_gives_reserved_units_back_once():
    restock("A", 5)
    api.stock_reserve(order_id=1, lines=(L("A", 2),))
    assert api.stock_release(order_id=1).status == "released"
    assert api.stock_release(order_id=1).status == "released"
    assert stock("A") == api.StockLevel(sku="A", on_hand=5, reserved=0, available=5)


def test_release_before_reserve_leaves_a_tombstone():
    restock("A", 5)
    assert api.stock_release(order_id=1).status == "released"
    late = api.stock_reserve(order_id=1, lines=(L("A", 2),))
    assert late.status == "released" and not late.reserved
    assert stock("A").reserved == 0


def test_commit_sells_then_restock_returns():
    restock("A", 5)
    api.stock_reserve(order_id=1, lines=(L("A", 2),))
    assert api.stock_commit(order_id=1).status == "sold"
    assert api.stock_commit(order_id=1).status == "sold"
    assert stock("A") == api.StockLevel(sku="A", on_hand=3, reserved=0, available=3)
    assert StockItem.objects.get(sku="A").sold == 2
    assert api.stock_restock(order_id=1).status == "restocked"
    assert api.stock_restock(order_id=1).status == "restocked"
    assert stock("A") == api.StockLevel(sku="A", on_hand=5, reserved=0, available=5)
    _consistent("A")


def test_illegal_moves_raise_stock_unavailable():
    restock("A", 5)
    with pytest.raises(api.StockUnavailableError):
        api.stock_commit(order_id=1)
    with pytest.raises(api.StockUnavailableError):
        api.stock_restock(order_id=1)
    api.stock_reserve(order_id=1, lines=(L("A", 1),))
    with pytest.raises(api.StockUnavailableError):
        api.stock_restock(order_id=1)
    api.stock_commit(order_id=1)
    with pytest.raises(api.StockUnavailableError):
        api.stock_release(order_id=1)
    assert Reservation.objects.get(order_id=1).status == "sold"


def test_stock_events_are_published(monkeypatch):
    published = []
    monkeypatch.setattr(services, "publish", published.append)
    restock("A", 1)
    services.stock_reserve(order_id=1, lines=[("A", 1)])
    services.stock_reserve(order_id=2, lines=[("A", 1)])
    services.stock_release(order_id=1)
    services.stock_reserve(order_id=3, lines=[("A", 1)])
    services.stock_commit(order_id=3)
    services.stock_restock(order_id=3)
    assert [type(e).__name__ for e in published] == [
        "StockReserved",
        "StockReservationFailed",
        "StockReleased",
        "StockReserved",
        "StockReleased",
    ]
    assert published[1].unavailable_skus == ("A",)
    assert published[2].restocked is False and published[4].restocked is True


def test_demo_stocks_every_active_catalog_sku_once():
    from modules.inventory import demo

    product("DEMO-1")
    product("DEMO-2")
    product("OFF", active=False)
    list(demo.seed())
    list(demo.seed())
    assert stock("DEMO-1").on_hand == demo.DEMO_STOCK
    assert stock("DEMO-2").on_hand == demo.DEMO_STOCK
    assert stock("OFF").on_hand == 0
