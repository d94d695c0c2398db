"""Calling another service: pooled keep-alive HTTP, timeouts, retries, a circuit breaker and
a bound on concurrent calls per remote module, trace context and request id on every call.

- One channel per remote service (:func:`internal_client`, :mod:`.channels`), signing every
  request: a pool of keep-alive connections to the topology service's ``url``, or to
  ``SEAMS_SERVICE_URL_<SERVICE>`` from the environment (which wins).
- In a process that plays every service of a topology with several (the split test mode),
  requests go to this process's own WSGI application in process (``httpx.WSGITransport``),
  unless ``SEAMS_SERVICE_URL_<SERVICE>`` names a real server for that service.
- The policy per callee module is the topology's ``resilience_for(module)``: a timeout per
  attempt; retries with jittered exponential backoff (tenacity) for functions declared
  ``@module_api(idempotent=True)`` only; a circuit breaker (pybreaker) counting transport
  errors, timeouts and 5xx answers (not typed errors, not 4xx); a semaphore that fails a
  call fast when ``max_concurrency`` calls to the module are in flight.

pybreaker holds its lock while the guarded function runs, which would serialise every call
to a module (danielfm/pybreaker#3). While the breaker is closed the request runs outside
it and its outcome is then recorded through ``breaker.call``; only an open or half-open
breaker runs the request inside (it fails fast, or lets one trial through).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx
import pybreaker
import structlog
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.dispatch import Signal
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from app.kernel import topology
from app.kernel.observability.metrics import breaker_listener
from app.kernel.observability.tracing import inject_headers
from app.kernel.remote.channels import (
    Channel,
    ChannelError,
    NetworkChannel,
    TransportChannel,
)
from app.kernel.remote.errors import RemoteCallFailed

if TYPE_CHECKING:
    from app.kernel.remote.binding import ApiFunction

T = TypeVar("T")
PATH = "/internal/api/{module}/{function}/"
IN_PROCESS_HOST = "http://{service}.in-process"


class _Failure(Exception):
    """One failed attempt: ``counts`` for the breaker and ``transient`` for retries."""

    def __init__(self, reason: str, *, counts: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.counts = counts


def _url_from_environment(service: topology.Service) -> str | None:
    return os.environ.get(f"SEAMS_SERVICE_URL_{service.name.upper()}") or None


def service_url(service: topology.Service) -> str | None:
    """``SEAMS_SERVICE_URL_<SERVICE>`` if set, else the topology's ``url`` for ``service``."""
    return _url_from_environment(service) or service.base_url


class InProcessApp:
    """The project's WSGI application called in the caller's thread (the split test mode).

    The request runs in a copy of the caller's context, so the callee's attribution and
    request-log context do not leak back; ``close_old_connections`` is kept from firing
    for it, as Django's test client does, because the caller's database connections (and
    open transactions) are this thread's too. The body is read before returning, inside
    that context.
    """

    _depth = 0
    _held: ClassVar[list[Signal]] = []
    _lock = threading.Lock()

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        return contextvars.copy_context().run(self._run, environ, start_response)

    def _run(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self._hold_connections(+1)
        try:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            self._hold_connections(-1)

    @classmethod
    def _hold_connections(cls, step: int) -> None:
        """Disconnect ``close_old_connections`` for the outermost in-process call, and put
        back after it exactly what was connected before (a caller, such as a test client,
        may have disconnected it already)."""
        with cls._lock:
            cls._depth += step
            if step > 0 and cls._depth == 1:
                cls._held = [
                    signal
                    for signal in (request_started, request_finished)
                    if signal.disconnect(close_old_connections)
                ]
            elif step < 0 and cls._depth == 0:
                for signal in cls._held:
                    signal.connect(close_old_connections)
                cls._held = []


def in_process_application() -> InProcessApp:
    """The service's own WSGI application (as gunicorn serves it), called in process."""
    # not at the top: the handler imports the endpoint, which imports the binding, which
    # imports this module
    from app.kernel.remote.handler import ServiceApplication

    return InProcessApp(ServiceApplication(get_wsgi_application()))


class ModuleGuard:
    """The breaker and the concurrency bound for calls into one remote module."""

    def __init__(self, module: str, policy: topology.Resilience) -> None:
        self.module = module
        self.policy = policy
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=policy.breaker_failures,
            reset_timeout=policy.breaker_reset_seconds,
            exclude=[lambda exc: isinstance(exc, _Failure) and not exc.counts],
            name=module,
            listeners=[breaker_listener(module)],  # seams_remote_breaker_state
        )
        self.slots = threading.BoundedSemaphore(policy.max_concurrency)

    def run(self, attempt: Callable[[], T]) -> T:
        if self.breaker.current_state != pybreaker.STATE_CLOSED:
            return self.breaker.call(attempt)
        try:
            result = attempt()
        except Exception as exc:
            with contextlib.suppress(pybreaker.CircuitBreakerError):
                self.breaker.call(_outcome, exc)
            raise
        with contextlib.suppress(pybreaker.CircuitBreakerError):
            self.breaker.call(_outcome, None)
        return result


def _outcome(failure: Exception | None) -> None:
    if failure is not None:
        raise failure


class RemoteClients:
    """This process's connection pools (per service) and guards (per module)."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport
        self._channels: dict[str, Channel] = {}
        self._guards: dict[str, ModuleGuard] = {}
        self._lock = threading.Lock()

    def channel(self, service: topology.Service) -> Channel:
        found = self._channels.get(service.name)
        if found is None:
            with self._lock:
                found = self._channels.get(service.name) or self._new_channel(service)
                self._channels[service.name] = found
        return found

    def guard(self, module: str) -> ModuleGuard:
        found = self._guards.get(module)
        if found is None:
            with self._lock:
                found = self._guards.get(module) or ModuleGuard(
                    module, topology.current().resilience_for(module)
                )
                self._guards[module] = found
        return found

    def _new_channel(self, service: topology.Service) -> Channel:
        transport = self._transport
        url = service_url(service)
        if transport is None and _plays_every_service() and not _url_from_environment(service):
            transport = httpx.WSGITransport(app=in_process_application())
            url = IN_PROCESS_HOST.format(service=service.name)
        elif url is None and transport is not None:  # a transport given: it decides where
            url = IN_PROCESS_HOST.format(service=service.name)
        if url is None:
            raise RemoteCallFailed(
                service.name,
                "*",
                f"service {service.name!r} has no url: set url in the topology or "
                f"SEAMS_SERVICE_URL_{service.name.upper()}",
            )
        if transport is None:
            return NetworkChannel(url)
        return TransportChannel(url, transport)

    def close(self) -> None:
        for found in self._channels.values():
            found.close()
        self._channels.clear()
        self._guards.clear()


def _plays_every_service() -> bool:
    return topology.hosts_every_service() and len(topology.current().services) > 1


_clients = RemoteClients()


def clients() -> RemoteClients:
    return _clients


def configure(transport: httpx.BaseTransport | None = None) -> RemoteClients:
    """Close every pool and forget every breaker; later calls use ``transport`` (default:
    chosen from the topology). For tests, and for a process after ``fork``."""
    global _clients
    _clients.close()
    _clients = RemoteClients(transport)
    return _clients


def internal_client(service: str) -> Channel:
    """The pooled, signing channel to another service of the topology: for any internal
    request, not only module api calls."""
    return _clients.channel(topology.current().services[service])


def internal_headers() -> dict[str, str]:
    """Headers of a JSON request to another service: a child of the current trace context,
    and the caller's request id when there is one."""
    headers = inject_headers({"Content-Type": "application/json"})
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if isinstance(request_id, str):
        headers["X-Request-ID"] = request_id
    return headers


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, _Failure) and exc.counts


def _with_retries(guarded: Callable[[], bytes], policy: topology.Resilience) -> bytes:
    """``guarded()``, retried with jittered exponential backoff (tenacity) while it fails
    transiently, ``policy.retries`` times at most.

    The first attempt runs outside tenacity: its machinery costs ~50 µs a call, a tenth of
    the caller's CPU on a loopback call, and nearly every call succeeds first time. A
    transient failure hands over to tenacity, which replays that failure as its own first
    attempt, so the attempts, waits and stop are tenacity's as if it had run them all.
    """
    try:
        return guarded()
    except _Failure as exc:
        if not exc.counts:
            raise
        first: list[_Failure] = [exc]

    def attempt() -> bytes:
        if first:
            raise first.pop()
        return guarded()

    retrying = Retrying(
        stop=stop_after_attempt(policy.retries + 1),
        wait=wait_exponential_jitter(
            multiplier=policy.backoff_seconds,
            max=policy.backoff_seconds * 8,
            jitter=policy.backoff_seconds,
        ),
        retry=retry_if_exception(_transient),
        reraise=True,
    )
    return retrying(attempt)


def post(function: ApiFunction, payload: bytes) -> bytes:
    """Send one call; the reply body, or :class:`RemoteCallFailed`."""
    module, name = function.module, function.name
    pool = _clients
    guard = pool.guard(module)
    policy = guard.policy
    channel = pool.channel(topology.service_of(module))
    path = PATH.format(module=module, function=name)

    def attempt() -> bytes:
        try:
            reply = channel.post(path, payload, internal_headers(), policy.timeout_seconds)
        except ChannelError as exc:
            reason = (
                f"timed out after {policy.timeout_seconds} s ({exc})"
                if exc.timed_out
                else f"transport error: {exc}"
            )
            raise _Failure(reason, counts=True) from exc
        if reply.status >= 500:
            raise _Failure(f"callee answered {reply.status}", counts=True)
        if reply.status != 200:
            raise _Failure(
                f"callee refused the call ({reply.status}): {reply.text[:300]}", counts=False
            )
        return reply.content

    def guarded() -> bytes:
        return guard.run(attempt)

    if not guard.slots.acquire(blocking=False):
        raise RemoteCallFailed(module, name, f"{policy.max_concurrency} calls already in flight")
    try:
        if function.idempotent and policy.retries:
            return _with_retries(guarded, policy)
        return guarded()
    except _Failure as exc:
        raise RemoteCallFailed(module, name, exc.reason) from exc
    except pybreaker.CircuitBreakerError as exc:
        raise RemoteCallFailed(module, name, f"circuit open: {exc}") from exc
    finally:
        guard.slots.release()
