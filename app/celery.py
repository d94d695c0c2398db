"""The Celery application. Configuration lives in settings under the ``CELERY_`` prefix;
queues (one per hosted module, plus the kernel's), routes and the beat schedule are generated
from the module manifests (app.kernel.events.celery_config, docs/events.md).

``celery -A app worker`` consumes every queue declared here; ``-Q orders`` narrows a worker to
one module's queue.
"""

import os

from celery import Celery, Task, beat
from celery.signals import beat_init, task_postrun, task_prerun
from django.db import close_old_connections

from app.kernel.events import celery_config
from app.kernel.observability import exposition

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

app = Celery("seams", task_cls=celery_config.ModuleTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# worker metrics: fresh at start, served on SEAMS_METRICS_PORT, dead children marked
exposition.connect_worker_signals()


@app.on_after_configure.connect
def _queues_routes_schedule(sender: Celery, **kwargs: object) -> None:
    celery_config.configure(sender)


@beat_init.connect
def _module_periodic_tasks(sender: beat.Service, **kwargs: object) -> None:
    # Django is set up by now: modules' tasks.py (which may import models) can be read.
    # Beat has already built its scheduler from beat_schedule, so add to the scheduler itself.
    sender.scheduler.update_from_dict(celery_config.module_periodic_tasks())


@task_prerun.connect
@task_postrun.connect
def _database_connections_as_around_a_request(sender: Task, **kwargs: object) -> None:
    """Around every task, what Django does around every request: close the connections that
    are past CONN_MAX_AGE, broken, or fail their health check; keep the others. Celery's
    Django fixup would close them all around each task (CELERY_DB_REUSE_MAX in settings
    keeps it from doing so but every that many tasks; ADR 0014). Not for eager tasks: those
    run inside the caller's transaction (tests)."""
    if not getattr(sender.request, "is_eager", False):
        close_old_connections()
