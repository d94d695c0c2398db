"""A saga whose driving delivery is stuck (held by a worker that died, or lost with the
broker) is driven again by the periodic ``orders.saga_redrive_idle`` task, once."""

from decimal import Decimal

import pytest

from app.kernel.events.celery_config import module_periodic_tasks
from app.kernel.events.testing import pending
from modules.orders import services, tasks
from modules.orders.models import Order
from modules.payments.models import LedgerEntry
from tests.e2e.shop import balance, fund, product, run_events, stock

pytestmark = pytest.mark.django_db

CUSTOMER = 42


@pytest.fixture
def placed():
    """An order whose OrderPlaced delivery has not run (it sits with a dead worker)."""
    product("MUG", "12.50", stock=10)
    fund(CUSTOMER, "100.00")
    order = services.order_place(customer_id=CUSTOMER, lines=[("MUG", 2)])
    assert pending(), "the saga's delivery is still waiting"
    return order


def test_an_idle_saga_is_driven_to_its_end_without_its_delivery(placed, settings):
    settings.SEAMS_SAGA_REDRIVE_AFTER_SECONDS = 0
    assert tasks.saga_redrive_idle.delay().get() == 1
    assert Order.objects.get(pk=placed.pk).status == "confirmed"
    assert balance(CUSTOMER) == Decimal("75.00") and stock("MUG").on_hand == 8
    run_events()  # the late delivery finds the saga finished: no second charge
    assert LedgerEntry.objects.filter(order_id=placed.pk, kind="capture").count() == 1
    assert balance(CUSTOMER) == Decimal("75.00") and stock("MUG").on_hand == 8
    assert tasks.saga_redrive_idle.delay().get() == 0


def test_a_saga_that_moved_recently_is_left_to_its_delivery(placed, settings):
    settings.SEAMS_SAGA_REDRIVE_AFTER_SECONDS = 3600
    assert tasks.saga_redrive_idle.delay().get() == 0
    assert Order.objects.get(pk=placed.pk).status == "pending"


def test_an_overdue_saga_is_left_to_the_timeout_sweeper(placed, settings):
    settings.SEAMS_SAGA_REDRIVE_AFTER_SECONDS = 0
    settings.SEAMS_SAGA_TIMEOUT_SECONDS = 0
    placed.saga.deadline = placed.created_at
    placed.saga.save(update_fields=("deadline",))
    assert tasks.saga_redrive_idle.delay().get() == 0


def test_beat_runs_the_redrive_every_ten_seconds_on_the_orders_queue():
    entry = module_periodic_tasks()["orders.saga_redrive_idle"]
    assert entry["task"] == "orders.saga_redrive_idle"
    assert entry["schedule"] == 10.0 and entry["options"]["queue"] == "orders"
