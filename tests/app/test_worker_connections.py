"""A Celery worker keeps its database connections between tasks (CONN_MAX_AGE), as a web
worker does between requests, and still drops one that is obsolete.

Leans on Celery's Django fixup (``celery.fixups.django``), which closes every connection
around each task unless ``CELERY_DB_REUSE_MAX`` is set: this fails the day that changes."""

import time

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from app.celery import app
from app.kernel.events.tasks import deliver

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
]  # SQLite in memory never closes


class _Request:
    is_eager = False  # a task a worker received, not one run in the caller's process


class _Task:
    request = _Request()


def around_a_task() -> None:
    """What a worker child runs around each task: Celery's fixup and our signal handlers."""
    fixup = DjangoWorkerFixup(app)
    fixup.on_task_prerun(sender=_Task())
    task_prerun.send(sender=_Task(), task_id="t", task=deliver, args=(), kwargs={})
    task_postrun.send(sender=_Task(), task_id="t", task=deliver, args=(), kwargs={})
    fixup.on_task_postrun(sender=_Task())


def test_a_connection_within_its_max_age_is_kept_across_tasks():
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60  # opened under CONN_MAX_AGE=60
    raw = connection.connection
    around_a_task()
    assert connection.connection is raw


def test_an_obsolete_connection_is_closed_around_a_task():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1  # past CONN_MAX_AGE
    around_a_task()
    assert connection.connection is None
