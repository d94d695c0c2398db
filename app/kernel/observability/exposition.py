"""Where each process kind's samples are scraped (docs/observability.md "Prometheus"):

- **web** (gunicorn or granian): ``GET /metrics`` (:mod:`.views`) of any worker answers for
  all of them (multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR``, set up by
  ``app/gunicorn_conf.py`` or ``app/granian_server.py``), plus the outbox backlog read from
  the database (:mod:`.outbox_collector`).
- **worker** (Celery prefork): the children write their samples under the worker's own
  ``PROMETHEUS_MULTIPROC_DIR`` (``docker/entrypoint.sh worker`` sets one apart from the
  web's); with ``SEAMS_METRICS_PORT`` set the worker's main process serves them summed on
  that port (:func:`connect_worker_signals`); a child that exits is marked dead.
- **relay** (one process): with ``SEAMS_METRICS_PORT`` set it serves its own registry.

Without ``PROMETHEUS_MULTIPROC_DIR`` (runserver, tests) the process's own registry is used.
This file reads no model: the Celery app imports it before Django is set up.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server
from prometheus_client.registry import Collector

log = structlog.get_logger("seams.metrics")

PORT_VARIABLE = "SEAMS_METRICS_PORT"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_registry(*extra: Collector) -> CollectorRegistry:
    """This process kind's samples: every process's files in multiprocess mode, else this
    process's registry; plus ``extra`` collectors."""
    if directory := multiprocess_dir():
        forget_exited_processes(Path(directory))
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    elif not extra:
        return REGISTRY
    else:
        registry = CollectorRegistry()
        registry.register(_Of(REGISTRY))
    for collector in extra:
        registry.register(collector)
    return registry


def forget_exited_processes(directory: Path) -> None:
    """Mark dead every process whose live gauges are in ``directory`` but which has exited,
    so that its last values (a breaker it saw open) drop out; its counters are kept. A
    server with an exit hook (gunicorn, Celery) already does so; granian has none."""
    for path in directory.glob("gauge_live*_*.db"):
        pid = int(path.stem.rpartition("_")[2])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(directory))
        except PermissionError:  # alive, someone else's
            pass


class _Of(Collector):
    """Another registry's samples, as one collector."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Any]:
        return self.registry.collect()


def serve_from_port(role: str) -> int | None:
    """Serve this process kind's samples on ``SEAMS_METRICS_PORT`` (when set), from a
    thread of this process; returns the port."""
    port = os.environ.get(PORT_VARIABLE, "").strip()
    if not port:
        return None
    start_http_server(
        int(port),
        addr=os.environ.get("SEAMS_METRICS_ADDR", "0.0.0.0"),  # noqa: S104
        registry=process_registry(),
    )
    log.info("metrics served", role=role, port=int(port))
    return int(port)


def reset_multiprocess_dir() -> None:
    """Empty this process kind's multiprocess directory (at its main process's start)."""
    if directory := multiprocess_dir():
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def connect_worker_signals() -> None:
    """Celery worker: fresh samples at start, served by the main process; children that
    exit are marked dead (their live gauges drop out, counters are kept)."""
    from celery.signals import worker_init, worker_process_shutdown

    def started(**kwargs: Any) -> None:
        reset_multiprocess_dir()
        serve_from_port("worker")

    def child_exits(pid: int | None = None, **kwargs: Any) -> None:
        if multiprocess_dir():
            multiprocess.mark_process_dead(pid or os.getpid())

    worker_init.connect(started, weak=False, dispatch_uid="seams.metrics.worker_init")
    worker_process_shutdown.connect(
        child_exits, weak=False, dispatch_uid="seams.metrics.child_exit"
    )
