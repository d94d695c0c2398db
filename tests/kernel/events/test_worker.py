"""The event seam end to end with a real Celery worker process (prefork, 2 children) on
PostgreSQL and Redis, and the relay running in this process.

Kill a worker child mid-handler, fail a handler, park and replay it: each ends with exactly
one effect. The worker runs tests/kernel/events/worker_settings.py (the ``evtest`` module)
and consumes only the ``evtest`` queue in REDIS_URL's database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis
from django.db import close_old_connections, connection, transaction

from app.kernel.events import publish, store
from app.kernel.events.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from app.kernel.events.relay import RedisPipelinePublisher, Relay
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe
from tests.waiting import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
QUEUE = "evtest"


class Worker:
    """A ``celery -A app worker -Q evtest -c 2`` process on the test database."""

    def __init__(self, log_path: Path, redis_url: str, **extra_env: str) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.kernel.events.worker_settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "SEAMS_EVENT_TRANSPORT": "celery",
            "SEAMS_EVENTS_MAX_ATTEMPTS": "3",
            "SEAMS_EVENTS_RETRY_BASE_SECONDS": "0.1",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            **extra_env,
        }
        self.log_path = log_path
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "app", "worker", "-Q", QUEUE, "-c", "2",
                 "--pool", "prefork", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "-n", f"evtest-{os.getpid()}-{log_path.stem}@%h",
                 "--loglevel", "INFO"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: "ready." in log_path.read_text(), 30, "the worker to start")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and children): nothing acks or requeues."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def relay(transactional_db, wire, settings):
    """The evtest module wired, a clean Redis db and effect table, and a relay thread."""
    settings.SEAMS_EVENT_TRANSPORT = "celery"
    settings.SEAMS_EVENTS_SWEEP_SECONDS = 0.2
    wire(h.ASYNC)
    h.create_effect_table()
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    stop = threading.Event()

    def run() -> None:
        try:
            Relay(RedisPipelinePublisher(settings.REDIS_URL), batch=100).run(stop)
        finally:
            close_old_connections()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)


@pytest.fixture
def worker(relay, tmp_path, settings):
    """A running worker; yields its log file."""
    process = Worker(tmp_path / "worker.log", settings.REDIS_URL)
    try:
        yield process.log_path
    finally:
        process.stop()


def row_of(event: Probe) -> OutboxMessage:
    return OutboxMessage.objects.get(event_id=event.event_id)


def settled(event: Probe, status: str = OutboxStatus.DONE):
    return lambda: row_of(event).status == status


def test_a_delivery_runs_once_in_the_worker(worker):
    event = Probe(ref="one")
    with transaction.atomic():
        publish(event)
    wait_for(settled(event), what="the delivery")
    assert [e[1] for e in h.effects()] == ["one"]


def test_worker_child_killed_mid_handler_redelivers_with_exactly_one_effect(worker, tmp_path):
    pid_file = tmp_path / "handler.pid"
    event = Probe(ref="killed", pid_file=str(pid_file), sleep=60)
    with transaction.atomic():
        publish(event)
    pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), what="the handler"))
    os.kill(pid, signal.SIGKILL)
    wait_for(settled(event), what="the redelivery")
    effects = h.effects()
    assert [e[1] for e in effects] == ["killed"]
    assert "WorkerLostError" in worker.read_text() or "SIGKILL" in worker.read_text()


def test_failing_twice_then_succeeding_has_one_effect_and_a_record_of_attempts(worker):
    event = Probe(ref="flaky", fail_times=2)
    with transaction.atomic():
        publish(event)
    wait_for(settled(event), what="the third attempt")
    row = row_of(event)
    assert row.attempts == 2
    assert list(DeliveryAttempt.objects.filter(message=row).values_list("attempt", flat=True)) == [
        1,
        2,
    ]
    assert [e[1] for e in h.effects()] == ["flaky"]


def test_permanently_failing_ends_dead_and_replays_once_fixed(worker, tmp_path):
    fixed = tmp_path / "fixed"
    event = Probe(ref="broken", fail_unless_exists=str(fixed))
    with transaction.atomic():
        publish(event)
    wait_for(settled(event, OutboxStatus.DEAD), what="the dead letter")
    assert row_of(event).attempts == 3
    assert h.effects() == []
    fixed.touch()
    store.replay([row_of(event).id])
    wait_for(settled(event), what="the replay")
    assert [e[1] for e in h.effects()] == ["broken"]


def test_events_of_one_key_are_handled_in_order_by_two_worker_children(worker):
    events = [Probe(ref="same", seq=i, fail_times=1 if i == 2 else 0) for i in range(6)]
    events += [Probe(ref="other", seq=i) for i in range(3)]
    with transaction.atomic():
        publish(*events)
    for event in events:
        wait_for(settled(event), what=f"event {event.ref}/{event.seq}")
    order = [(key, seq) for _, key, seq in h.effects()]
    assert [seq for key, seq in order if key == "same"] == list(range(6))
    assert [seq for key, seq in order if key == "other"] == list(range(3))


BLIP_ON = """
CREATE TABLE evtest_blip (since TIMESTAMPTZ DEFAULT now());
INSERT INTO evtest_blip DEFAULT VALUES;
CREATE SEQUENCE evtest_blip_tries;
CREATE FUNCTION evtest_blip() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM evtest_blip) THEN
        PERFORM nextval('evtest_blip_tries');  -- outlives the rollback
        RAISE EXCEPTION 'database blip (test)';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER evtest_blip BEFORE INSERT ON seams_events_attempt
    FOR EACH ROW EXECUTE FUNCTION evtest_blip();
"""
BLIP_GONE = """
DROP TRIGGER IF EXISTS evtest_blip ON seams_events_attempt;
DROP FUNCTION IF EXISTS evtest_blip();
DROP TABLE IF EXISTS evtest_blip;
DROP SEQUENCE IF EXISTS evtest_blip_tries;
"""


def blip_tries() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM evtest_blip_tries")
        return cursor.fetchone()[0]


def test_a_database_blip_while_recording_a_failure_is_ridden_out_not_acked_away(
    relay, tmp_path, settings
):
    """Recording the failed attempt fails (a trigger stands in for a database that is away)
    for longer than the bookkeeping's retries: the worker hands the message back to the
    queue, and once the database answers the delivery is retried and done, once."""
    with connection.cursor() as cursor:
        cursor.execute(BLIP_ON)
    log = tmp_path / "worker.log"
    worker = Worker(log, settings.REDIS_URL, SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS="1")
    try:
        event = Probe(ref="blip", fail_times=1)
        with transaction.atomic():
            publish(event)
        # at most three tries per delivery in 1 s: a fourth = the message came back again
        wait_for(lambda: blip_tries() >= 4, what="the bookkeeping to be retried and requeued")
        assert row_of(event).status == OutboxStatus.SENT and h.effects() == []
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM evtest_blip")
        wait_for(settled(event), what="the delivery once the database is back")
    finally:
        worker.stop()
        with connection.cursor() as cursor:
            cursor.execute(BLIP_GONE)
    assert [e[1] for e in h.effects()] == ["blip"]
    assert row_of(event).attempts == 1  # the one failure the handler planned, recorded


@pytest.mark.slow
def test_whole_worker_killed_mid_handler_is_redelivered_after_the_visibility_timeout(
    relay, tmp_path, settings
):
    """SIGKILL of the worker's main process too: the message stays unacked in Redis and the
    next worker restores it once the visibility timeout (here 8 s) has passed."""
    short = {
        "CELERY_VISIBILITY_TIMEOUT": "8",
        "CELERY_TASK_TIME_LIMIT": "3",
        "SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS": "1",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    first = Worker(tmp_path / "first.log", settings.REDIS_URL, **short)
    pid_file = tmp_path / "handler.pid"
    event = Probe(ref="lost", pid_file=str(pid_file), sleep=60)
    try:
        with transaction.atomic():
            publish(event)
        wait_for(lambda: pid_file.exists(), what="the handler")
        first.kill()
        assert row_of(event).status == OutboxStatus.SENT
        second = Worker(tmp_path / "second.log", settings.REDIS_URL, **short)
        try:
            wait_for(settled(event), 40, "the restored message")
        finally:
            second.stop()
    finally:
        first.stop()
    assert [e[1] for e in h.effects()] == ["lost"]
