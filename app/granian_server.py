"""The ``web`` role on granian (``WEB_SERVER=granian``): the webs of a topology of several
services, which the other services call (ADR 0020).

    python -m app.granian_server        # what ``docker/entrypoint.sh web`` runs for it

granian reads and writes HTTP in Rust and runs the application on a Python thread, where
gunicorn's gthread worker hands every request of a kept-alive connection from its poller
thread to a worker thread and back; against a trivial app that hand-off was half the cost
of a call (docs/benchmarks.md, "Remote module api call"). The public edge of a
single-service deployment stays on gunicorn (``app/gunicorn_conf.py``).

Read from the environment, as ``app/gunicorn_conf.py`` reads it: ``HOST``, ``PORT``,
``WEB_CONCURRENCY`` (worker processes, default 2), ``GRANIAN_BLOCKING_THREADS`` (threads
running the WSGI application per worker, default 1), ``GUNICORN_GRACEFUL_TIMEOUT`` (seconds a
stopping worker gets, default 30), ``LOG_LEVEL`` and ``LOG_FORMAT``. Prometheus runs in
multiprocess mode: the directory is wiped at start, and ``/metrics`` folds away the live
gauges of workers that have exited (:func:`~app.kernel.observability.exposition.
forget_exited_processes`: granian has no hook for a worker's exit).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

TARGET = "app.wsgi:application"
# a thread idle this long ends (granian's default is 30 s): each thread holds its own
# database connection, which would be opened again for the next burst of calls
THREAD_IDLE_SECONDS = 600


def options(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``granian.Granian`` keyword arguments this environment asks for."""
    from granian.constants import HTTPModes, Interfaces

    from app.kernel.observability.logging import logging_dict

    environ = os.environ if environ is None else environ
    level = environ.get("LOG_LEVEL", "INFO").upper()
    production = environ.get("DJANGO_ENV") == "production"
    logging = logging_dict(
        level=level, fmt=environ.get("LOG_FORMAT") or ("json" if production else "console")
    )
    # granian's own lines (workers started, stopped, respawned) in the app's format
    logging["loggers"]["_granian"] = {"level": level, "propagate": True}
    return {
        "target": TARGET,
        "interface": Interfaces.WSGI,
        "http": HTTPModes.http1,
        "websockets": False,
        "address": environ.get("HOST", "127.0.0.1"),
        "port": int(environ.get("PORT", "8000")),
        "workers": int(environ.get("WEB_CONCURRENCY", "2")),
        "blocking_threads": int(environ.get("GRANIAN_BLOCKING_THREADS", "1")),
        "blocking_threads_idle_timeout": THREAD_IDLE_SECONDS,
        "workers_kill_timeout": int(environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30")),
        "respawn_failed_workers": True,
        "log_dictconfig": logging,
        "log_access": False,  # the request middleware logs every request once
    }


def main() -> None:
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR",
        str(Path(tempfile.gettempdir()) / f"seams-prometheus-{os.getuid()}"),
    )
    from granian import Granian

    from app.kernel.observability.exposition import reset_multiprocess_dir

    reset_multiprocess_dir()  # samples of a previous run must not add to this run's
    Granian(**options()).serve()


if __name__ == "__main__":
    main()
