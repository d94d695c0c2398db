"""In-process delivery of outbox rows: the embedded dispatcher (no Redis), the after-commit
attempt of ``after_commit`` deliveries, and ``drain()`` for tests and commands. The
dispatcher also runs the periodic tasks beat would send, since no beat process runs here.

All of them claim rows with :func:`store.claim` and run them with :func:`consumer.consume`:
the same inbox, retry and dead-letter semantics as a Celery worker; only the transport differs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial

import structlog
from celery import current_app
from celery.beat import ScheduleEntry
from django.apps import apps
from django.db import close_old_connections, connections, transaction

from app.kernel.events import celery_config, conf, forwarding, outbox, store
from app.kernel.events.base import publisher_of
from app.kernel.events.bus import Delivery
from app.kernel.events.consumer import Outcome, consume
from app.kernel.events.models import OutboxMessage

log = structlog.get_logger("seams.events")

_local = threading.local()


class DrainDidNotSettle(RuntimeError):
    """Handlers kept publishing new deliveries for ``max_rounds`` rounds."""


def run_pending(
    *,
    limit: int = 100,
    honour_backoff: bool = True,
    ids: Sequence[int] | None = None,
    using: str | None = None,
) -> list[Outcome]:
    """Claim up to ``limit`` due rows of each outbox this process delivers (or of ``using``
    only) and run them here, oldest first; hand rows for consumers on other databases to
    their services. Returns the outcomes of the rows run or handed over."""
    outcomes: list[Outcome] = []
    for alias in [using] if using else store.outbox_dbs():
        envelopes = store.claim(limit=limit, honour_backoff=honour_backoff, ids=ids, using=alias)
        outcomes += [consume(envelope) for envelope in envelopes]
        outcomes += forwarding.forward_due(
            using=alias, limit=limit, honour_backoff=honour_backoff, ids=ids
        )
    return outcomes


def drain(*, max_rounds: int = 1000, honour_backoff: bool = False) -> int:
    """Run every pending delivery to completion in this thread, including the deliveries that
    handlers publish meanwhile; return how many ran. Retries do not wait for their backoff
    (``honour_backoff=False``), so a failing handler ends dead within SEAMS_EVENTS_MAX_ATTEMPTS
    rounds. Works in any transport and inside a test's transaction."""
    total = 0
    outer = getattr(_local, "draining", False)
    _local.draining = True
    try:
        for _ in range(max_rounds):
            ran = run_pending(limit=500, honour_backoff=honour_backoff)
            if not ran:
                return total
            total += len(ran)
    finally:
        _local.draining = outer
    raise DrainDidNotSettle(f"outbox still busy after {max_rounds} rounds ({total} deliveries)")


def run_after_commit(ids: Sequence[int], using: str | None = None) -> None:
    """After a publishing transaction commits: try its ``after_commit`` deliveries here,
    now. A failure is logged and retried like any delivery; the row never leaves the outbox's
    view (a crash before this runs leaves it pending for the relay after the grace period)."""
    if getattr(_local, "draining", False):
        return
    try:
        run_pending(limit=len(ids), honour_backoff=False, ids=ids, using=using)
    except Exception:
        log.exception("after_commit delivery failed to start", outbox_ids=list(ids))


EMBEDDED_STALE = 300.0


class EmbeddedBeat:
    """The beat schedule (kernel, settings and modules' ``PERIODIC_TASKS``) run in process:
    each entry is applied here when due, as a worker would run it (as its module)."""

    def __init__(self, schedule: dict[str, dict] | None = None) -> None:
        # register every app's tasks.py, as a worker does (without the worker's start-up
        # checks: this runs in a serving process's background thread)
        current_app.loader.autodiscover_tasks([c.name for c in apps.get_app_configs()])
        if schedule is None:
            schedule = {
                **current_app.conf.beat_schedule,
                **celery_config.module_periodic_tasks(),
            }
        self.entries = [
            ScheduleEntry(
                name=name,
                task=entry["task"],
                schedule=entry["schedule"],
                args=entry.get("args", ()),
                kwargs=entry.get("kwargs", {}),
                app=current_app,
            )
            for name, entry in schedule.items()
        ]

    def run_due(self) -> list[str]:
        """Apply every entry that is due; return their names."""
        ran = []
        for index, entry in enumerate(self.entries):
            if not entry.is_due().is_due:
                continue
            self.entries[index] = next(entry)
            ran.append(entry.name)
            task = current_app.tasks.get(entry.task)
            if task is None:
                log.error("periodic task not registered", task=entry.task)
                continue
            result = task.apply(args=entry.args, kwargs=entry.kwargs)
            if result.failed():
                log.error("periodic task failed", task=entry.task, error=repr(result.result))
        return ran


class Dispatcher(threading.Thread):
    """Background thread of the embedded transport: woken after each publishing commit,
    sweeping every SEAMS_EVENTS_SWEEP_SECONDS for retries that came due, and running the
    periodic tasks that are due (:class:`EmbeddedBeat`)."""

    def __init__(self) -> None:
        super().__init__(name="seams-events-dispatcher", daemon=True)
        self.wakeup = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        sweep = float(conf.get("SEAMS_EVENTS_SWEEP_SECONDS"))
        sweeps = 0
        beat = EmbeddedBeat()
        while not self.stopping.is_set():
            self.wakeup.wait(timeout=sweep)
            self.wakeup.clear()
            try:
                while run_pending(limit=100):
                    pass
                sweeps += 1
                if sweeps % 60 == 0:
                    # rows a dead process left in flight (no broker to redeliver them); a
                    # handler still running meanwhile is safe: the inbox admits one of two
                    for alias in store.outbox_dbs():
                        for envelope in store.claim(
                            limit=100, stale=True, stale_after=EMBEDDED_STALE, using=alias
                        ):
                            consume(envelope)
                beat.run_due()
            except Exception:
                log.exception("embedded dispatcher pass failed")
            finally:
                close_old_connections()
        connections.close_all()

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        self.wakeup.set()
        self.join(timeout)


_dispatcher: Dispatcher | None = None
_dispatcher_lock = threading.Lock()


def dispatcher() -> Dispatcher:
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None or not _dispatcher.is_alive():
            _dispatcher = Dispatcher()
            _dispatcher.start()
        return _dispatcher


def ensure_dispatcher() -> None:
    """Start the background dispatcher if this process should run one (cheap when it runs)."""
    if (
        conf.get("SEAMS_EVENT_TRANSPORT") == "embedded"
        and conf.get("SEAMS_EVENTS_EMBEDDED_DISPATCH") == "thread"
        and (_dispatcher is None or not _dispatcher.is_alive())
    ):
        dispatcher()


def wake() -> None:
    """After a publishing transaction commits: deliver now in embedded mode. (With the
    Celery transport the relay is woken by PostgreSQL NOTIFY, sent at commit.)"""
    if conf.get("SEAMS_EVENT_TRANSPORT") != "embedded":
        return
    mode = conf.get("SEAMS_EVENTS_EMBEDDED_DISPATCH")
    if mode == "inline":
        if not getattr(_local, "draining", False):
            drain()
    elif mode == "thread":
        dispatcher().wakeup.set()
    # "manual": only drain() / `manage.py events drain` deliver


def write_outbox(deferred: outbox.Deferred) -> None:
    """The bus's outbox writer: the rows join the caller's transaction on the publishing
    module's database (written in one INSERT at its commit); after the commit, its
    ``after_commit`` deliveries run here and the embedded dispatcher is woken."""
    by_database: dict[str, list] = {}
    for event, bounds in deferred:
        using = store.outbox_db(publisher_of(event.name))
        by_database.setdefault(using, []).append((event, bounds))
    for using, some in by_database.items():
        rows = outbox.write(some, using=using)
        transaction.on_commit(partial(after_commit, rows, using), using=using)


def after_commit(rows: Sequence[OutboxMessage], using: str) -> None:
    # written already after a real commit; not when a test runs captured on_commit hooks
    # inside its own transaction
    outbox.flush(using)
    ids = [row.id for row in rows if row.delivery == Delivery.AFTER_COMMIT]
    if ids:
        run_after_commit(ids, using)
    wake()
