"""The outbox rows of a transaction: held until it commits, then one INSERT; savepoint and
transaction rollbacks drop exactly the rows published inside them; the transaction reads
its own rows. Real commits (``transaction=True``), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from app.kernel.events import outbox, publish
from app.kernel.events.models import OutboxMessage
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe

pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _async_only(transactional_db, embedded, wire):
    h.create_effect_table()
    wire(h.ASYNC)


def refs() -> list[str]:
    return [row.payload["ref"] for row in OutboxMessage.objects.order_by("id")]


def outbox_inserts(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith('INSERT INTO "seams_events_outbox"') for q in queries)


def test_all_publishes_of_a_transaction_are_one_insert_at_commit():
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            publish(Probe(ref="a"))
            with transaction.atomic():  # a savepoint, released
                publish(Probe(ref="b"), Probe(ref="c"))
            publish(Probe(ref="d"))
            assert outbox_inserts(queries) == 0  # held until the commit
        assert outbox_inserts(queries) == 1
    assert refs() == ["a", "b", "c", "d"]


def test_a_savepoint_rollback_drops_only_the_rows_published_inside_it():
    with transaction.atomic():
        publish(Probe(ref="before"))
        with pytest.raises(Rollback), transaction.atomic():
            publish(Probe(ref="inside"))
            raise Rollback
        publish(Probe(ref="after"))
    assert refs() == ["before", "after"]


def test_a_rolled_back_transaction_leaves_nothing_for_the_next_one():
    with pytest.raises(Rollback), transaction.atomic():
        publish(Probe(ref="lost"))
        raise Rollback
    with transaction.atomic():
        publish(Probe(ref="kept"))
    assert refs() == ["kept"]


def test_a_refused_rollback_inside_an_atomic_block_keeps_the_rows():
    with transaction.atomic():
        publish(Probe(ref="a"))
        with pytest.raises(TransactionManagementError):
            transaction.rollback()  # Django forbids it here; the transaction goes on
    assert refs() == ["a"]


def test_outside_a_transaction_rows_are_written_at_once():
    with CaptureQueriesContext(connection) as queries:
        publish(Probe(ref="now"))
    assert outbox_inserts(queries) == 1
    assert refs() == ["now"]


def test_the_transaction_reads_its_own_rows():
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        publish(Probe(ref="a"))
        assert refs() == ["a"]
        publish(Probe(ref="b"))
    assert outbox_inserts(queries) == 2  # the read wrote "a" early; "b" at the commit
    assert refs() == ["a", "b"]


def test_rows_written_early_inside_a_rolled_back_savepoint_are_written_again():
    with transaction.atomic():
        publish(Probe(ref="outer"))
        with pytest.raises(Rollback), transaction.atomic():
            assert refs() == ["outer"]  # written inside the savepoint...
            publish(Probe(ref="inner"))
            raise Rollback  # ...which undoes that INSERT
        assert refs() == ["outer"]  # written again, without the savepoint's own row
    assert refs() == ["outer"]


def test_an_outbox_that_cannot_be_written_rolls_the_publisher_back(monkeypatch):
    def broken_insert(rows, using):
        raise DatabaseError("outbox unavailable")

    monkeypatch.setattr(outbox, "insert", broken_insert)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO evtest_effect (handler) VALUES ('publisher')")
        publish(Probe(ref="a"))
    monkeypatch.undo()
    assert h.effects() == []  # the publisher's own write did not commit
    with transaction.atomic():  # and the connection works on
        publish(Probe(ref="b"))
    assert refs() == ["b"]


def test_an_execute_wrapper_context_around_a_publish_leaves_both_wrappers_right():
    def passthrough(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    before = list(connection.execute_wrappers)
    with transaction.atomic():
        with connection.execute_wrapper(passthrough):
            publish(Probe(ref="a"))
        assert passthrough not in connection.execute_wrappers  # its own, not ours, popped
        assert refs() == ["a"]  # ours still writes before a read
    assert connection.execute_wrappers == before  # ours went when the rows were written
