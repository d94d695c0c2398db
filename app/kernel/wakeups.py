"""Wake a waiting thread when the row it waits on changes: PostgreSQL ``LISTEN``/``NOTIFY``
(ADR 0027).

A thread that would otherwise re-read a row until it changes (a held read, ADR 0025)
:func:`watch`\\ es a (channel, key), reads, and :meth:`Watch.wait`\\ s: a notification on that
channel with the key as its payload, from a transaction that commits after the watch began,
ends the wait, and the thread reads again. Per process, database and channel one listener
thread holds a dedicated autocommit connection in ``LISTEN`` and hands each notification to
the threads watching its key.

While that listener is not listening (SQLite; before its first connect; after it lost its
connection) nothing can wake a watch: :attr:`Watch.listening` says so, and the caller
pauses as briefly as it would with no listener at all. When the listener (re)connects, and
when it loses its connection, it wakes every watch, since a notification may have been
missed meanwhile.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import structlog
from django.db import connections

log = structlog.get_logger("seams.wakeups")

APPLICATION_NAME = "seams-wakeups"  # how a listener's session shows in pg_stat_activity
RECONNECT_SECONDS = 1.0
_SLICE_SECONDS = 1.0  # how long a listener blocks before it looks at its stop flag


def connect_listening(using: str, *channels: str, application_name: str = "") -> psycopg.Connection:
    """A dedicated autocommit connection to database ``using``, LISTENing on ``channels``
    (constants of the code, never input: they are spliced into the statement)."""
    params = connections[using].get_connection_params()
    params = {k: v for k, v in params.items() if k not in {"cursor_factory", "context"}}
    if application_name:
        params.setdefault("application_name", application_name)
    conn = psycopg.connect(**params, autocommit=True)
    for channel in channels:
        conn.execute(f"LISTEN {channel}")
    return conn


class Watch:
    """A thread's wait for one key: see :func:`watch`."""

    def __init__(self, listener: _Listener | None) -> None:
        self._listener = listener
        self._woken = threading.Event()

    @property
    def listening(self) -> bool:
        """Whether a notification can end :meth:`wait` (else pause briefly and re-read)."""
        return self._listener is not None and self._listener.listening

    def wait(self, seconds: float) -> bool:
        """Until woken or ``seconds`` pass; whether it was woken. A wake-up that came since
        the last wait ends this one at once, so read after a wait, never before it."""
        woken = self._woken.wait(seconds)
        self._woken.clear()  # what woke it committed before this: the next read sees it
        return woken


@contextmanager
def watch(channel: str, key: str, *, using: str) -> Iterator[Watch]:
    """Watch for a notification on ``channel`` whose payload is ``key``, from database
    ``using``, while the block runs. Read what you wait on inside the block, after the watch
    began: a change committed before then is in that read, one committed after wakes it."""
    if connections[using].vendor != "postgresql":
        yield Watch(None)
        return
    listener = _listener(using, channel)
    waiting = Watch(listener)
    listener.add(key, waiting._woken)
    try:
        yield waiting
    finally:
        listener.discard(key, waiting._woken)


def stop_listening() -> None:
    """Stop this process's listeners and close their connections (a test's teardown, a
    graceful stop); a later :func:`watch` starts a new one."""
    with _listeners_lock:
        listeners = list(_listeners.values())
        _listeners.clear()
    for listener in listeners:
        listener.stop()


class _Listener:
    """One thread LISTENing on one channel of one database for this process."""

    def __init__(self, using: str, channel: str) -> None:
        self.using, self.channel = using, channel
        self.listening = False
        self._watching: dict[str, set[threading.Event]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)
        self._thread.start()

    def add(self, key: str, woken: threading.Event) -> None:
        with self._lock:
            self._watching.setdefault(key, set()).add(woken)

    def discard(self, key: str, woken: threading.Event) -> None:
        with self._lock:
            waiting = self._watching.get(key, set())
            waiting.discard(woken)
            if not waiting:
                self._watching.pop(key, None)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=_SLICE_SECONDS * 5)

    def _wake(self, key: str | None) -> None:
        """Wake the watches of ``key``; all of them when ``key`` is None."""
        with self._lock:
            if key is None:
                woken = [event for events in self._watching.values() for event in events]
            else:
                woken = list(self._watching.get(key, ()))
        for event in woken:
            event.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                conn = connect_listening(
                    self.using, self.channel, application_name=APPLICATION_NAME
                )
            except Exception as error:  # a database down or gone: the watches poll meanwhile
                log.warning(
                    "wake-up listener cannot connect", channel=self.channel, error=str(error)
                )
                self._stopped.wait(RECONNECT_SECONDS)
                continue
            try:
                with conn:
                    self.listening = True
                    self._wake(None)  # what was decided before it listened
                    while not self._stopped.is_set():
                        for note in conn.notifies(timeout=_SLICE_SECONDS):
                            self._wake(note.payload)
            except Exception as error:  # a database down or gone: the watches poll meanwhile
                log.warning(
                    "wake-up listener lost its connection", channel=self.channel, error=str(error)
                )
            finally:
                self.listening = False
                self._wake(None)  # they pause briefly until it listens again
            self._stopped.wait(RECONNECT_SECONDS)


_listeners: dict[tuple[str, str], _Listener] = {}
_listeners_lock = threading.Lock()


def _listener(using: str, channel: str) -> _Listener:
    with _listeners_lock:
        listener = _listeners.get((using, channel))
        if listener is None:
            listener = _listeners[using, channel] = _Listener(using, channel)
        return listener


def _forget_after_fork() -> None:
    """A forked child (a gunicorn or prefork worker) has none of its parent's threads."""
    global _listeners_lock
    _listeners.clear()
    _listeners_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
