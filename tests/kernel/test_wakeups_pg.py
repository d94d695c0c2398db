"""Wake-ups from PostgreSQL notifications (ADR 0027): a watch ends its wait on a committed
notification of its own key, and only then; a listener that loses its connection wakes its
watches, connects again and goes on waking them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from app.kernel import wakeups

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHANNEL = "seams_test_wakeups"


def notify(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, key])


def listening(watch: wakeups.Watch) -> wakeups.Watch:
    """The watch once its listener listens, with the wake-up of that moment used up."""
    for _ in range(100):
        if watch.listening:
            break
        watch.wait(0.1)
    assert watch.listening
    watch.wait(0)
    return watch


def test_a_watch_is_woken_by_its_own_key_committed_and_by_nothing_else():
    with wakeups.watch(CHANNEL, "7", using="default") as seven:
        listening(seven)
        notify("8")
        assert not seven.wait(0.3)  # another key
        with pytest.raises(RuntimeError), transaction.atomic():
            notify("7")
            raise RuntimeError("rolled back")
        assert not seven.wait(0.3)  # a notification rolled back is never sent
        with transaction.atomic():
            notify("7")
            assert not seven.wait(0.3)  # sent at commit, not before
        assert seven.wait(10)
        assert not seven.wait(0)  # used up by the wait it ended


def test_every_watch_of_a_key_is_woken_and_a_finished_watch_no_longer_is():
    with wakeups.watch(CHANNEL, "7", using="default") as first:
        listening(first)
        with wakeups.watch(CHANNEL, "7", using="default") as second:
            notify("7")
            assert first.wait(10) and second.wait(10)
        notify("7")
        assert first.wait(10)
        assert not second.wait(0.3)


def test_a_listener_that_loses_its_connection_wakes_its_watches_and_listens_again():
    with wakeups.watch(CHANNEL, "7", using="default") as seven:
        listening(seven)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                [wakeups.APPLICATION_NAME],
            )
            assert cursor.fetchone() == (True,)
        assert seven.wait(10)  # the loss wakes it: it may have missed something
        listening(seven)  # connected again
        notify("7")
        assert seven.wait(10)
