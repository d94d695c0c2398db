"""``create_unless_taken``: the row, or ``None`` when its unique key is taken (a lost race);
on PostgreSQL one INSERT and no savepoint; any other violation still raises."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connections, transaction
from django.test.utils import CaptureQueriesContext

from app.kernel.ownership import acting_as
from app.kernel.topology import create_unless_taken
from modules.notifications.models import Notification

pytestmark = pytest.mark.django_db(databases="__all__")


def notification(**fields):
    values = {"customer_id": 7, "order_id": 41, "kind": "order_confirmed", "message": "hi"}
    return create_unless_taken(Notification, **{**values, **fields})


def test_the_first_insert_returns_the_saved_row_the_second_none():
    with acting_as("notifications"):
        first = notification()
        second = notification(message="again")
        rows = list(Notification.objects.values_list("pk", "message"))
    assert first is not None and first.pk is not None and first.created_at is not None
    assert not first._state.adding and first._state.db == Notification.objects.db
    assert second is None
    assert rows == [(first.pk, "hi")]  # the loser changed nothing


@pytest.mark.postgres
def test_on_postgresql_each_is_one_insert_with_no_savepoint():
    using = Notification.objects.db
    with (
        acting_as("notifications"),
        transaction.atomic(using=using),
        CaptureQueriesContext(connections[using]) as statements,
    ):
        assert notification() is not None
        assert notification() is None
    assert [q["sql"].split()[0] for q in statements.captured_queries] == ["INSERT", "INSERT"]


def test_a_violation_other_than_the_unique_key_still_raises():
    with acting_as("notifications"), pytest.raises(IntegrityError):
        notification(customer_id=None)  # NOT NULL
