"""The checkout saga: every branch, every compensation, redelivery at each step."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from modules.inventory import api as inventory_api
from modules.inventory.models import Reservation, StockItem
from modules.orders import checkout, handlers, services
from modules.orders.models import CheckoutSaga, Order
from modules.payments import api as payments_api
from modules.payments.models import LedgerEntry, Payment
from tests.e2e.shop import balance, fund, product, restock, run_events, stock
from tests.modules.orders.redelivery import order_placed

pytestmark = pytest.mark.django_db

CUSTOMER = 42


@pytest.fixture
def shop():
    product("MUG", "12.50", stock=10)
    product("TEA", "3.20", stock=5)
    fund(CUSTOMER, "100.00")


def place(*lines, customer=CUSTOMER) -> Order:
    return services.order_place(customer_id=customer, lines=list(lines))


def reload(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def steps(order: Order) -> list[tuple[str, str]]:
    return [(s.step, s.outcome) for s in CheckoutSaga.objects.get(order=order).steps.all()]


@pytest.fixture
def published(monkeypatch):
    """Every event the orders services publish (still delivered as usual)."""
    seen = []
    real = services.publish  # the same function in both: app.kernel.events.publish

    def record(*events):
        seen.extend(events)
        real(*events)

    monkeypatch.setattr(services, "publish", record)  # OrderPlaced
    monkeypatch.setattr(checkout, "publish", record)  # OrderConfirmed, OrderCancelled
    return seen


def names(events, order: Order) -> list[str]:
    return [e.name for e in events if e.order_id == order.pk]


def test_place_creates_a_pending_order_with_prices_captured(shop):
    order = place(("MUG", 2), ("TEA", 1))
    assert order.status == "pending" and order.total == Decimal("28.20")
    assert [(li.sku, li.quantity, li.unit_price) for li in order.lines.all()] == [
        ("MUG", 2, Decimal("12.50")),
        ("TEA", 1, Decimal("3.20")),
    ]
    saga = CheckoutSaga.objects.get(order=order)
    assert saga.state == "reserving_stock"
    assert saga.deadline > timezone.now() + timedelta(seconds=250)
    assert steps(order) == [("place", "pending")]


def test_happy_path_confirms_charges_and_sells(shop):
    order = place(("MUG", 2), ("TEA", 1))
    run_events()
    order = reload(order)
    assert order.status == "confirmed" and order.cancellation_reason is None
    assert balance(CUSTOMER) == Decimal("71.80")
    assert stock("MUG").on_hand == 8 and stock("MUG").reserved == 0
    assert StockItem.objects.get(sku="TEA").sold == 1
    assert steps(order) == [
        ("place", "pending"),
        ("reserve_stock", "reserved"),
        ("capture_payment", "captured"),
        ("commit_stock", "sold"),
        ("confirm", "confirmed"),
    ]
    assert CheckoutSaga.objects.get(order=order).state == "confirmed"


def test_out_of_stock_cancels_without_charging(shop):
    order = place(("MUG", 11))
    run_events()
    order = reload(order)
    assert (order.status, order.cancellation_reason) == ("cancelled", "out_of_stock")
    assert balance(CUSTOMER) == Decimal("100.00")
    assert stock("MUG").reserved == 0
    assert not Payment.objects.filter(order_id=order.pk).exists()


def test_payment_declined_releases_the_stock(shop):
    order = place(("MUG", 9))  # 112.50 > 100.00
    run_events()
    order = reload(order)
    assert (order.status, order.cancellation_reason) == ("cancelled", "payment_declined")
    assert stock("MUG").available == 10 and stock("MUG").reserved == 0
    assert balance(CUSTOMER) == Decimal("100.00")
    assert Reservation.objects.get(order_id=order.pk).status == "released"
    assert ("release_stock", "released") in steps(order)


def test_customer_cancels_a_pending_order_before_the_saga_ran(shop):
    order = place(("MUG", 1))
    cancelled = checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)
    assert (cancelled.status, cancelled.cancellation_reason) == (
        "cancelled",
        "cancelled_by_customer",
    )
    run_events()  # the saga's OrderPlaced arrives late: it must do nothing
    assert reload(order).status == "cancelled"
    assert balance(CUSTOMER) == Decimal("100.00")
    assert stock("MUG").reserved == 0 and stock("MUG").on_hand == 10


def test_customer_cancels_a_pending_order_mid_saga(shop):
    order = place(("MUG", 2))
    # run only the reserve and capture steps, as if the process stopped before the commit step
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inventory_api, "stock_commit", _crash)
        with pytest.raises(_Crash):
            checkout.saga_advance(order_id=order.pk)
    saga = CheckoutSaga.objects.get(order=order)
    assert saga.state == "committing_stock" and saga.payment_captured
    assert balance(CUSTOMER) == Decimal("75.00")
    checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)
    assert balance(CUSTOMER) == Decimal("100.00")
    assert stock("MUG").reserved == 0 and stock("MUG").on_hand == 10
    run_events()
    assert reload(order).cancellation_reason == "cancelled_by_customer"
    assert LedgerEntry.objects.filter(order_id=order.pk, kind="refund").count() == 1


def test_customer_cancels_a_confirmed_order_refund_and_restock(shop, published):
    order = place(("MUG", 2))
    run_events()
    assert balance(CUSTOMER) == Decimal("75.00")
    checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)
    run_events()
    order = reload(order)
    assert (order.status, order.cancellation_reason) == ("cancelled", "cancelled_by_customer")
    assert balance(CUSTOMER) == Decimal("100.00")
    item = StockItem.objects.get(sku="MUG")
    assert (item.on_hand, item.sold, item.returned) == (10, 2, 2)
    assert Reservation.objects.get(order_id=order.pk).status == "restocked"
    assert names(published, order) == [
        "orders.OrderPlaced",
        "orders.OrderConfirmed",
        "orders.OrderCancelled",
    ]
    assert published[-1].was_confirmed is True
    assert published[-1].reason == "cancelled_by_customer"


def test_cancelling_twice_is_refused(shop):
    order = place(("MUG", 1))
    checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)
    with pytest.raises(services.OrderNotCancellableError):
        checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)


def test_cancelling_someone_elses_order_is_not_found(shop):
    order = place(("MUG", 1))
    with pytest.raises(services.OrderNotFoundError):
        checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER + 1)
    with pytest.raises(services.OrderNotFoundError):
        checkout.order_cancel(order_id=999_999, customer_id=CUSTOMER)


def test_a_saga_past_its_deadline_is_timed_out_by_the_sweeper(shop):
    order = place(("MUG", 1))
    later = timezone.now() + timedelta(seconds=301)
    assert checkout.saga_expire_overdue(now=timezone.now()) == []
    assert checkout.saga_expire_overdue(now=later) == [order.pk]
    assert checkout.saga_expire_overdue(now=later) == []
    run_events()  # OrderPlaced arrives after the timeout: nothing happens
    order = reload(order)
    assert (order.status, order.cancellation_reason) == ("cancelled", "timed_out")
    assert stock("MUG").reserved == 0 and balance(CUSTOMER) == Decimal("100.00")
    assert Reservation.objects.get(order_id=order.pk).status == "released"


def test_a_timed_out_saga_after_capture_is_refunded_and_released(shop):
    order = place(("MUG", 2))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inventory_api, "stock_commit", _crash)
        with pytest.raises(_Crash):
            checkout.saga_advance(order_id=order.pk)
    assert balance(CUSTOMER) == Decimal("75.00") and stock("MUG").reserved == 2
    checkout.saga_expire_overdue(now=timezone.now() + timedelta(hours=1))
    order = reload(order)
    assert order.cancellation_reason == "timed_out"
    assert balance(CUSTOMER) == Decimal("100.00")
    assert stock("MUG").reserved == 0 and stock("MUG").on_hand == 10


def test_the_saga_itself_times_out_when_it_runs_late(shop):
    order = place(("MUG", 1))
    checkout.saga_advance(order_id=order.pk, now=timezone.now() + timedelta(hours=1))
    assert reload(order).cancellation_reason == "timed_out"
    assert ("timeout", "expired") in steps(order)


def test_the_periodic_task_and_command_expire_sagas(shop, settings):
    from django.core.management import call_command

    from modules.orders import tasks

    settings.SEAMS_SAGA_TIMEOUT_SECONDS = 0
    first = place(("MUG", 1))
    assert tasks.saga_expire_overdue.delay().get() == 1
    second = place(("MUG", 1))
    call_command("saga_expire")
    assert reload(first).cancellation_reason == "timed_out"
    assert reload(second).cancellation_reason == "timed_out"


class _Crash(Exception):
    pass


def _crash(**kwargs):
    raise _Crash("process died")


def _crash_after(api, name: str, mp: pytest.MonkeyPatch) -> None:
    """``api.name`` does its work (the other module commits it), then the caller dies before
    recording the outcome."""
    real = getattr(api, name)

    def run_then_crash(**kwargs):
        real(**kwargs)
        raise _Crash(f"died after {name}, before recording it")

    mp.setattr(api, name, run_then_crash)


STEP_CALLS = {
    CheckoutSaga.State.RESERVING_STOCK: (inventory_api, "stock_reserve"),
    CheckoutSaga.State.CAPTURING_PAYMENT: (payments_api, "payment_capture"),
    CheckoutSaga.State.COMMITTING_STOCK: (inventory_api, "stock_commit"),
}


@pytest.mark.parametrize("crash_at", list(STEP_CALLS))
def test_redelivery_after_a_crash_at_each_step_finishes_once(shop, crash_at):
    order = place(("MUG", 2))
    event = order_placed(order)
    with pytest.MonkeyPatch.context() as mp:
        _crash_after(*STEP_CALLS[crash_at], mp)  # the step's effects happen, then it dies
        with pytest.raises(_Crash):
            handlers.saga_start(event)
    handlers.saga_start(event)  # redelivery
    handlers.saga_start(event)  # and again, after the saga finished
    run_events()
    assert reload(order).status == "confirmed"
    assert balance(CUSTOMER) == Decimal("75.00")
    assert LedgerEntry.objects.filter(order_id=order.pk).count() == 1
    item = StockItem.objects.get(sku="MUG")
    assert (item.on_hand, item.reserved, item.sold) == (8, 0, 2)


def test_redelivered_order_placed_after_confirmation_changes_nothing(shop):
    order = place(("MUG", 1))
    run_events()
    before = (balance(CUSTOMER), stock("MUG"), steps(order))
    event = order_placed(order)
    handlers.saga_start(event)
    assert (balance(CUSTOMER), stock("MUG"), steps(order)) == before


def test_each_outcome_publishes_one_event(shop, published):
    confirmed = place(("MUG", 1))
    run_events()
    assert names(published, confirmed) == ["orders.OrderPlaced", "orders.OrderConfirmed"]
    placed = published[0]
    assert placed.customer_id == CUSTOMER and placed.total == Decimal("12.50")
    assert [(li.sku, li.quantity, li.unit_price) for li in placed.lines] == [
        ("MUG", 1, Decimal("12.50"))
    ]
    declined = place(("MUG", 9))
    run_events()
    assert names(published, declined) == ["orders.OrderPlaced", "orders.OrderCancelled"]
    assert published[-1].reason == "payment_declined" and not published[-1].was_confirmed


def test_restock_after_out_of_stock_does_not_revive_the_order(shop):
    order = place(("TEA", 6))
    run_events()
    restock("TEA", 10)
    checkout.saga_advance(order_id=order.pk)
    assert reload(order).cancellation_reason == "out_of_stock"
    assert stock("TEA").reserved == 0


def test_effects_committed_by_other_modules_before_orders_recorded_them_are_not_repeated(shop):
    """As with a remote binding: inventory and payments committed, then orders crashed before
    recording the outcomes. Re-running the saga gets the recorded outcomes back."""
    order = place(("MUG", 2))
    inventory_api.stock_reserve(
        order_id=order.pk, lines=(inventory_api.ReservationLine(sku="MUG", quantity=2),)
    )
    payments_api.payment_capture(order_id=order.pk, customer_id=CUSTOMER, amount=order.total)
    run_events()
    assert reload(order).status == "confirmed"
    assert balance(CUSTOMER) == Decimal("75.00")
    item = StockItem.objects.get(sku="MUG")
    assert (item.on_hand, item.reserved, item.sold) == (8, 0, 2)


def test_a_remote_capture_that_landed_before_a_timeout_is_refunded(shop):
    order = place(("MUG", 2))
    saga = CheckoutSaga.objects.get(order=order)
    saga.state = CheckoutSaga.State.CAPTURING_PAYMENT  # reserve recorded, capture in flight
    saga.save()
    inventory_api.stock_reserve(
        order_id=order.pk, lines=(inventory_api.ReservationLine(sku="MUG", quantity=2),)
    )
    payments_api.payment_capture(order_id=order.pk, customer_id=CUSTOMER, amount=order.total)
    checkout.saga_expire_overdue(now=timezone.now() + timedelta(hours=1))
    assert reload(order).cancellation_reason == "timed_out"
    assert balance(CUSTOMER) == Decimal("100.00")
    assert stock("MUG").reserved == 0


def test_a_failing_step_is_retried_by_the_event_consumer_and_finishes(shop, monkeypatch):
    real = inventory_api.stock_reserve
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("inventory unreachable")
        return real(**kwargs)

    monkeypatch.setattr(checkout.inventory_api, "stock_reserve", flaky)
    order = place(("MUG", 1))
    run_events()
    assert len(calls) == 2
    assert reload(order).status == "confirmed"
    assert balance(CUSTOMER) == Decimal("87.50")


def test_the_timeout_sweeper_is_on_the_beat_schedule():
    from app.kernel.events import celery_config

    entry = celery_config.module_periodic_tasks()["orders.saga_expire_overdue"]
    assert entry["task"] == "orders.saga_expire_overdue"
    assert entry["options"]["queue"] == "orders"


def test_a_crash_after_a_decline_resumes_with_the_release(shop):
    order = place(("MUG", 9))  # 112.50 > 100.00
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inventory_api, "stock_release", _crash)  # died before releasing
        with pytest.raises(_Crash):
            checkout.saga_advance(order_id=order.pk)
    assert CheckoutSaga.objects.get(order=order).state == "releasing_stock"
    assert stock("MUG").reserved == 9  # nothing was released yet
    assert checkout.saga_advance(order_id=order.pk) == "cancelled"
    assert reload(order).cancellation_reason == "payment_declined"
    assert stock("MUG").reserved == 0 and balance(CUSTOMER) == Decimal("100.00")


def test_a_crash_after_the_release_landed_resumes_without_a_second_release(shop):
    order = place(("MUG", 9))  # 112.50 > 100.00
    with pytest.MonkeyPatch.context() as mp:
        _crash_after(inventory_api, "stock_release", mp)
        with pytest.raises(_Crash):
            checkout.saga_advance(order_id=order.pk)
    assert CheckoutSaga.objects.get(order=order).state == "releasing_stock"  # not recorded
    assert stock("MUG").reserved == 0  # but inventory committed the release
    assert checkout.saga_advance(order_id=order.pk) == "cancelled"
    assert reload(order).cancellation_reason == "payment_declined"
    item = StockItem.objects.get(sku="MUG")
    assert (item.on_hand, item.reserved, item.sold) == (10, 0, 0)
    assert balance(CUSTOMER) == Decimal("100.00")


def test_a_cancel_after_the_decline_keeps_the_decline_as_the_reason(shop):
    order = place(("MUG", 9))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inventory_api, "stock_release", _crash)
        with pytest.raises(_Crash):
            checkout.saga_advance(order_id=order.pk)
    cancelled = checkout.order_cancel(order_id=order.pk, customer_id=CUSTOMER)
    assert cancelled.cancellation_reason == "payment_declined"
    assert stock("MUG").reserved == 0 and balance(CUSTOMER) == Decimal("100.00")
