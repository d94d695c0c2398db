"""Embedded transport without a beat process: the dispatcher runs the beat schedule itself,
so `make run` and the all-in-one container still time out stuck sagas and prune."""

from datetime import timedelta

import pytest
from django.utils import timezone

from app.celery import app as celery_app
from app.kernel.events.embedded import EmbeddedBeat
from app.kernel.ownership import current_module
from modules.orders import services as order_services
from modules.orders.models import CheckoutSaga, Order
from tests.e2e.shop import fund, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def probe_task():
    calls: list[str | None] = []

    def probe() -> None:
        calls.append(current_module())

    probe.__module__ = "modules.orders.tasks"  # as if declared by the orders module
    celery_app.task(name="orders.evtest_beat_probe")(probe)
    yield calls
    celery_app.tasks.pop("orders.evtest_beat_probe", None)


def test_default_schedule_is_what_beat_would_send():
    names = {entry.name for entry in EmbeddedBeat().entries}
    assert {"orders.saga_expire_overdue", "idempotency-prune", "seams-events-prune"} <= names


def test_due_entries_run_as_their_module_and_others_wait(probe_task):
    beat = EmbeddedBeat(
        {
            "due": {"task": "orders.evtest_beat_probe", "schedule": 0.0},
            "hourly": {"task": "orders.evtest_beat_probe", "schedule": 3600.0},
        }
    )
    assert beat.run_due() == ["due"]
    assert beat.run_due() == ["due"]
    assert probe_task == ["orders", "orders"]


def test_a_failing_periodic_task_does_not_stop_the_others(probe_task):
    def boom() -> None:
        raise RuntimeError("boom")

    celery_app.task(name="orders.evtest_beat_boom")(boom)
    try:
        beat = EmbeddedBeat(
            {
                "boom": {"task": "orders.evtest_beat_boom", "schedule": 0.0},
                "probe": {"task": "orders.evtest_beat_probe", "schedule": 0.0},
            }
        )
        assert beat.run_due() == ["boom", "probe"]
        assert probe_task == ["orders"]
    finally:
        celery_app.tasks.pop("orders.evtest_beat_boom", None)


def test_a_stuck_saga_is_timed_out_without_a_beat_process():
    product("MUG", "5.00", stock=3)
    fund(7, "20.00")
    order = order_services.order_place(customer_id=7, lines=[("MUG", 1)])
    CheckoutSaga.objects.filter(order=order).update(deadline=timezone.now() - timedelta(seconds=1))
    schedule = {
        "orders.saga_expire_overdue": {"task": "orders.saga_expire_overdue", "schedule": 0.0}
    }

    assert EmbeddedBeat(schedule).run_due() == ["orders.saga_expire_overdue"]

    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.cancellation_reason) == ("cancelled", "timed_out")


def test_an_unknown_task_is_logged_and_skipped(probe_task):
    beat = EmbeddedBeat(
        {
            "gone": {"task": "orders.no_such_task", "schedule": 0.0},
            "probe": {"task": "orders.evtest_beat_probe", "schedule": 0.0},
        }
    )
    assert beat.run_due() == ["gone", "probe"]
    assert probe_task == ["orders"]
