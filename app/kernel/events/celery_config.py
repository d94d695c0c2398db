"""Celery wiring generated from the module manifests: one queue per hosted module, routes by
task-name prefix, the beat schedule (relay sweep, prune, and the modules' periodic tasks), and
the task base class that runs a module's task as that module.

``app/celery.py`` applies it; nothing here imports a module statically (importlib only).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from django.conf import settings
from kombu import Queue

from app.kernel import topology
from app.kernel.events import conf
from app.kernel.modules import manifests, module_of, submodule
from app.kernel.ownership import acting_as

DELIVER_TASK = "seams_events.deliver"
RELAY_SWEEP_TASK = "seams_events.relay_sweep"
PRUNE_TASK = "seams_events.prune"


def kernel_queue() -> str:
    return conf.get("SEAMS_EVENTS_KERNEL_QUEUE")


def queue_for(module: str) -> str:
    """The Celery queue of a consuming module: its manifest's ``queue`` (default: its name)."""
    manifest = manifests().get(module)
    return manifest.queue if manifest else module


def queue_names() -> list[str]:
    """Kernel queue first, then one per module this process hosts (its topology service),
    in settings order, without repeats: a service's worker takes only its modules' work."""
    names = [kernel_queue()]
    for name, manifest in manifests().items():
        if topology.is_hosted(name) and manifest.queue not in names:
            names.append(manifest.queue)
    return names


def task_queues() -> list[Queue]:
    return [Queue(name, routing_key=name) for name in queue_names()]


def task_routes() -> dict[str, dict[str, str]]:
    """``seams_events.*`` to the kernel queue; ``<module>.*`` (STYLE: stable task names like
    ``notifications.notification_send``) to the module's queue."""
    routes = {"seams_events.*": {"queue": kernel_queue()}}
    for name, manifest in manifests().items():
        routes[f"{name}.*"] = {"queue": manifest.queue}
    return routes


def beat_schedule() -> dict[str, dict[str, Any]]:
    return {
        "seams-events-relay-sweep": {
            "task": RELAY_SWEEP_TASK,
            "schedule": float(getattr(settings, "CELERY_BEAT_RELAY_SWEEP_SECONDS", 30.0)),
            "options": {"queue": kernel_queue(), "expires": 60},
        },
        "seams-events-prune": {
            "task": PRUNE_TASK,
            "schedule": float(getattr(settings, "CELERY_BEAT_PRUNE_SECONDS", 3600.0)),
            "options": {"queue": kernel_queue(), "expires": 600},
        },
    }


def module_periodic_tasks() -> dict[str, dict[str, Any]]:
    """Beat entries the modules this process hosts declare as ``PERIODIC_TASKS`` in their
    ``tasks.py`` (a dict in Celery's ``beat_schedule`` format; entry names should start with
    the module's name). Read once Django is set up (beat_init): ``tasks.py`` may import
    models."""
    found: dict[str, dict[str, Any]] = {}
    for package in settings.SEAMS_MODULES:
        module = package.rsplit(".", 1)[-1]
        if not topology.is_hosted(module):
            continue  # its own service's beat runs them
        entries = getattr(submodule(package, "tasks"), "PERIODIC_TASKS", {})
        for name, entry in entries.items():
            entry = dict(entry)
            entry.setdefault("options", {}).setdefault("queue", queue_for(module))
            found[name] = entry
    return found


def configure(app: Celery) -> None:
    """Apply queues, routes and the base beat schedule to ``app`` (on_after_configure)."""
    app.conf.task_queues = task_queues()
    app.conf.task_default_queue = kernel_queue()
    app.conf.task_routes = task_routes()
    app.conf.beat_schedule = {**beat_schedule(), **(app.conf.beat_schedule or {})}


class ModuleTask(Task):
    """Base task class: a task defined in ``modules/<name>/...`` runs as module ``<name>``
    (the data-ownership guard's attribution); kernel tasks run as nobody."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with acting_as(module_of(self.__module__ or "")):
            return super().__call__(*args, **kwargs)
