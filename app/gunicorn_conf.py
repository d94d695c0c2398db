"""gunicorn settings of the ``web`` role (``gunicorn app.wsgi:application -c THIS_FILE``).

Everything is read from the environment (HOST, PORT, WEB_CONCURRENCY, ...), so the image,
``make up`` and the tests start the same server. Prometheus runs in multiprocess mode: each
worker writes its samples under ``PROMETHEUS_MULTIPROC_DIR``; the master wipes that directory
when it starts and marks every worker that exits as dead, so ``/metrics`` adds up live and
past workers without leaking files of workers long gone.
"""

import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"seams-prometheus-{os.getuid()}")
)

# prometheus_client picks its multiprocess value class on import: the variable comes first.
from gunicorn.glogging import Logger
from prometheus_client import multiprocess

from app.kernel.observability.logging import logging_dict

bind = os.environ.get("GUNICORN_BIND") or (
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread: a request held for a client's ``Prefer: wait`` (ADR 0025) keeps a thread, not the
# worker, and clients keep their connections alive (the sync worker closes each one)
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Only the proxy in front may set X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER trusts it).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = None  # the request middleware logs every request once, as structured lines


class NoAccessLogger(Logger):
    """gunicorn's logger with no access log at all. With ``logconfig_dict`` set, gunicorn's
    own counts as on: it built every request's log atoms (environ, headers, timings) for
    a logger that drops them: 1.5 % of a service worker's time on internal calls
    (docs/benchmarks.md, remote calls)."""

    def access(self, resp, req, environ, request_time):
        return None


logger_class = NoAccessLogger
loglevel = os.environ.get("LOG_LEVEL", "INFO")
# gunicorn's own lines (boot, worker exits, timeouts) in the same format as the app's.
_production = os.environ.get("DJANGO_ENV") == "production"
logconfig_dict = logging_dict(
    level=loglevel.upper(),
    fmt=os.environ.get("LOG_FORMAT") or ("json" if _production else "console"),
)
logconfig_dict["loggers"]["gunicorn.error"] = {"level": loglevel.upper(), "propagate": True}
logconfig_dict["loggers"]["gunicorn.access"] = {"level": "CRITICAL", "propagate": False}
control_socket_disable = True  # not used; several servers on one machine would share its path
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - gunicorn's own heartbeat files, per worker
if Path(SHARED_MEMORY).is_dir():
    worker_tmp_dir = SHARED_MEMORY  # heartbeats off the (possibly slow) container disk


def on_starting(server):
    """Master start: samples from a previous run must not be added to this run's."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker exited: fold its live gauges away (counters and histograms are kept)."""
    multiprocess.mark_process_dead(worker.pid)


# gthread drains at most 64 KiB of a request body the application left unread before it
# reuses the connection, and otherwise closes it after a response that promised keep-alive,
# so the client's next request on it finds the connection gone (gunicorn.http.parser's
# _DRAIN_MAX_BYTES). A body that may be left unread (the 413 of one over
# DATA_UPLOAD_MAX_MEMORY_SIZE, a 401 before parsing) is answered with Connection: close.
UNDRAINABLE_BODY_BYTES = 64 * 1024


def pre_request(worker, req):
    """A request with a body gthread might not drain is the connection's last (above)."""
    headers = dict(req.headers)  # names upper-cased; a duplicate length is refused earlier
    length = headers.get("CONTENT-LENGTH", "0")
    chunked = "TRANSFER-ENCODING" in headers
    if chunked or not length.isdigit() or int(length) > UNDRAINABLE_BODY_BYTES:
        req.must_close = True
