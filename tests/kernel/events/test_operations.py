"""Operating the seam: the ``events`` command, the admin, and the generated Celery config."""

from __future__ import annotations

from io import StringIO

import pytest
from celery import beat, signals
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from app.celery import app as celery_app
from app.kernel.events import publish
from app.kernel.events.models import OutboxMessage, OutboxStatus
from app.kernel.events.testing import drain
from app.kernel.modules import manifests
from app.kernel.ownership import current_module
from tests.kernel.events.fixture_module import handlers as h
from tests.kernel.events.fixture_module.events import Probe


def run(*args) -> str:
    out = StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def one_dead(db, embedded, effects_table, wire, tmp_path):
    wire(h.ASYNC)
    fixed = tmp_path / "fixed"
    publish(Probe(ref="k", fail_unless_exists=str(fixed)), Probe(ref="fine"))
    drain()
    return fixed


def test_failed_lists_dead_deliveries_and_replay_requeues_them(one_dead):
    (dead,) = OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
    listing = run("failed", "-v")
    assert f"#{dead.id}" in listing and "evtest.probe_recorded" in listing
    assert "is missing" in listing
    one_dead.touch()
    assert "re-queued 1" in run("--database", "default", "replay", str(dead.id))
    assert "ran 1" in run("drain")
    assert "no dead deliveries" in run("failed")


def test_replay_all(one_dead):
    assert "re-queued 1" in run("replay", "--all")
    with pytest.raises(CommandError):
        run("replay")


def test_prune_command(one_dead):
    assert "pruned 0 outbox rows" in run("prune")
    assert "pruned 1 outbox rows and 1 inbox" in run("prune", "--days", "-1")


def test_queues_lists_each_module_queue_with_its_handlers(db, wire):
    wire(h.ALL)
    out = run("queues")
    for manifest in manifests().values():
        assert manifest.queue in out


def test_admin_lists_dead_letters_and_replays_them(one_dead, admin_client):
    dead = OutboxMessage.objects.get(status=OutboxStatus.DEAD)
    url = reverse("admin:seams_events_deadletter_changelist")
    assert str(dead.id) in admin_client.get(url).content.decode()
    response = admin_client.post(
        url, {"action": "replay", "_selected_action": [dead.id]}, follow=True
    )
    assert response.status_code == 200
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.PENDING and dead.attempts == 0
    assert (
        admin_client.get(reverse("admin:seams_events_outboxmessage_changelist")).status_code == 200
    )
    detail = reverse("admin:seams_events_outboxmessage_change", args=[dead.id])
    assert admin_client.get(detail).status_code == 200


def test_celery_declares_one_queue_per_module_and_at_least_once_settings():
    conf = celery_app.conf
    names = [q.name for q in conf.task_queues]
    assert names[0] == "seams_events"
    assert names[1:] == [m.queue for m in manifests().values()]
    assert conf.task_routes["orders.*"] == {"queue": manifests()["orders"].queue}
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility == conf.result_backend_transport_options["visibility_timeout"]
    assert visibility > conf.task_time_limit
    assert {"seams-events-relay-sweep", "seams-events-prune"} <= set(conf.beat_schedule)


def test_module_tasks_run_as_their_module():
    def probe() -> str | None:
        return current_module()

    probe.__module__ = "modules.orders.tasks"  # as if defined in the orders module
    task = celery_app.task(name="orders.evtest_probe")(probe)
    try:
        assert task.apply().get() == "orders"
    finally:
        celery_app.tasks.pop("orders.evtest_probe", None)


def test_beat_sends_the_periodic_tasks_modules_declare(tmp_path):
    # Celery builds the scheduler before beat_init fires (Service.start reads max_interval
    # first); the module entries must still reach the running scheduler.
    service = beat.Service(app=celery_app, schedule_filename=str(tmp_path / "schedule"))
    try:
        assert "orders.saga_expire_overdue" not in service.scheduler.schedule
        signals.beat_init.send(sender=service)
        entry = service.scheduler.schedule["orders.saga_expire_overdue"]
        assert entry.task == "orders.saga_expire_overdue"
        assert entry.options["queue"] == "orders"
    finally:
        service.scheduler.close()
