"""The relay on real PostgreSQL and Redis: SKIP LOCKED claims, concurrent relays, and the
Celery messages it writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from app.kernel.events import publish, store, tasks
from app.kernel.events.models import OutboxMessage, OutboxStatus
from app.kernel.events.relay import RedisPipelinePublisher, Relay
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Recorder:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lock = threading.Lock()

    def publish(self, envelopes) -> None:
        time.sleep(0.001)  # let the other relay run into the locked rows
        with self.lock:
            self.ids.extend(e.outbox_id for e in envelopes)


def _publish(n: int, keys: int | None = None) -> None:
    events = [Probe(ref=f"k{i % keys}" if keys else f"k{i}", seq=i) for i in range(n)]
    with transaction.atomic():
        publish(*events)


def _drain_with_two_relays_at_once(publisher) -> None:
    """Two relays, each with ``publisher()``, start draining together in two threads."""
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            Relay(publisher(), batch=50).drain()
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def test_two_relays_at_once_publish_each_row_once(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)
    _publish(3000)
    recorder = Recorder()
    _drain_with_two_relays_at_once(lambda: recorder)
    assert len(recorder.ids) == 3000
    assert len(set(recorder.ids)) == 3000
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 3000


def test_a_failed_publish_leaves_the_batch_pending(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)
    _publish(5)

    class Broken:
        def publish(self, envelopes):
            raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        Relay(Broken()).relay_batch()
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 5


def test_per_key_order_holds_across_concurrent_claims(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)
    _publish(40, keys=4)
    first = store.claim(limit=100)
    assert sorted(e.key for e in first) == ["k0", "k1", "k2", "k3"]  # one per key at a time
    assert [e.payload["seq"] for e in first] == [0, 1, 2, 3]


@pytest.mark.redis
def test_the_redis_publisher_writes_celery_messages_to_the_module_queue(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("evtest")
    _publish(3)
    assert Relay(RedisPipelinePublisher(settings.REDIS_URL)).drain() == 3
    raw = client.lrange("evtest", 0, -1)
    assert len(raw) == 3
    message = json.loads(raw[-1])
    assert message["headers"]["task"] == "seams_events.deliver"
    assert "body_encoding" not in message["properties"]  # plain JSON text, as kombu reads it
    args, kwargs, _ = json.loads(message["body"])
    assert args == [] and kwargs["envelope"]["event_name"] == "evtest.Probe"
    assert kwargs["envelope"]["handler"] == "evtest.probe_recorded"
    client.delete("evtest")


@pytest.mark.redis
def test_two_relays_at_once_put_each_row_on_the_queue_once(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("evtest")
    _publish(2000)
    _drain_with_two_relays_at_once(lambda: RedisPipelinePublisher(settings.REDIS_URL))
    ids = [
        json.loads(json.loads(raw)["body"])[1]["envelope"]["outbox_id"]
        for raw in client.lrange("evtest", 0, -1)
    ]
    client.delete("evtest")
    assert len(ids) == 2000 and len(set(ids)) == 2000


@pytest.mark.redis
def test_relay_command_once_and_the_beat_tasks(wire, settings):
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("evtest")
    _publish(3)
    out = StringIO()
    call_command("events", "relay", "--once", stdout=out)
    assert "relayed 3 rows" in out.getvalue()
    assert client.llen("evtest") == 3
    with transaction.atomic():
        publish(Probe(ref="new-a"), Probe(ref="new-b"))  # k0.. are still in flight: new keys
    assert tasks.relay_sweep.apply().get() == 2
    assert tasks.prune.apply().get() == [0, 0]
    client.delete("evtest")


@pytest.mark.redis
def test_the_relay_process_wakes_on_commit_and_stops_on_sigterm(wire, settings, tmp_path):
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    wire(h.ASYNC)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("evtest")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SEAMS_EVENT_TRANSPORT": "celery",
        "SEAMS_EVENTS_SWEEP_SECONDS": "30",  # only NOTIFY can wake it within the test
    }
    log = (tmp_path / "relay.log").open("w")
    relay = subprocess.Popen(
        [sys.executable, "manage.py", "events", "relay"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while "relay started" not in (tmp_path / "relay.log").read_text():
            assert time.monotonic() < deadline, "relay did not start"
            time.sleep(0.05)
        time.sleep(0.5)  # LISTEN is issued right after the start line
        _publish(1)
        deadline = time.monotonic() + 10
        while client.llen("evtest") < 1:
            assert time.monotonic() < deadline, "the NOTIFY did not wake the relay"
            time.sleep(0.02)
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(15) == 0
    finally:
        if relay.poll() is None:
            relay.kill()
        log.close()
        client.delete("evtest")
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def _outbox_scans(update_sql: str) -> list[str]:
    """How the claim's plan reads the outbox under the claim's own plan settings: its scan
    nodes (EXPLAIN, in the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(store._PLAN_BY_ID_INDEX)
        cursor.execute("EXPLAIN (FORMAT JSON) " + update_sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return [
        node["Node Type"]
        for node in _plan_nodes(plan[0]["Plan"])
        if node.get("Relation Name") == OutboxMessage._meta.db_table
    ]


def _plan_nodes(node):
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


def _outbox_rows_walked(update_sql: str, *, hinted: bool) -> int:
    """Rows the claim's scan of the outbox visits (EXPLAIN ANALYZE, rolled back)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if hinted:
            cursor.execute(store._PLAN_BY_ID_INDEX)
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + update_sql)
        plan = cursor.fetchone()[0]
        transaction.set_rollback(True)

    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(
        node.get("Actual Rows", 0)
        for node in _plan_nodes(plan[0]["Plan"])
        if node.get("Relation Name") == OutboxMessage._meta.db_table and node.get("Alias") == "o"
    )


@pytest.mark.parametrize("stale", [False, True], ids=["due", "stale"])
def test_a_claim_never_scans_the_whole_outbox_even_where_the_planner_would(wire, settings, stale):
    # A prepared claim (DB_PREPARE_THRESHOLD) keeps its plan: one made while the outbox was
    # nearly empty (a new deployment) may scan the whole table, and nothing plans it again
    # until the table is analysed, however large it grows (seen on `make up`: 2-5 ms a
    # claim). Here a whole-table scan is made to look cheapest, as on a table the planner
    # believes tiny, and the claim must still walk the indexes.
    settings.SEAMS_EVENT_TRANSPORT = "celery"  # rows wait for a relay
    wire(h.ASYNC)
    _publish(5000)
    OutboxMessage.objects.update(status=OutboxStatus.DONE)
    _publish(1)
    if stale:  # sent an hour ago: its message must have been lost
        assert len(store.claim(limit=1)) == 1
        OutboxMessage.objects.filter(status=OutboxStatus.SENT).update(
            sent_at=timezone.now() - timedelta(hours=1)
        )
    with CaptureQueriesContext(connection) as seen, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL seq_page_cost = 0.001")
            cursor.execute("SET LOCAL cpu_tuple_cost = 0.00001")
        assert len(store.claim(limit=50, stale=stale)) == 1
        statements = [q["sql"] for q in seen.captured_queries]
        [update] = [sql for sql in statements if sql.startswith("UPDATE")]
        assert store._PLAN_BY_ID_INDEX in statements[: statements.index(update)]
        scans = _outbox_scans(update)  # under the same settings as the claim
        transaction.set_rollback(True)
    assert scans and "Seq Scan" not in scans, scans


def test_a_backlog_the_planner_has_no_statistics_for_is_claimed_without_walking_it(wire, settings):
    # A burst on a new outbox: no statistics yet, so the planner guesses a dozen rows and,
    # left alone, sorts every pending row for each batch.
    settings.SEAMS_EVENT_TRANSPORT = "celery"  # rows wait for a relay
    wire(h.ASYNC)
    table = OutboxMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    try:
        _publish(5000)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
            cursor.execute("UPDATE pg_class SET reltuples = -1 WHERE oid = %s::regclass", [table])

        with CaptureQueriesContext(connection) as seen:
            assert len(store.claim(limit=50)) == 50
        statements = [q["sql"] for q in seen.captured_queries]
        [update] = [sql for sql in statements if sql.startswith("UPDATE")]
        assert statements.index(store._PLAN_BY_ID_INDEX) < statements.index(update)

        assert _outbox_rows_walked(update, hinted=False) > 4000  # the trap is real
        assert _outbox_rows_walked(update, hinted=True) <= 100  # and the claim avoids it
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
