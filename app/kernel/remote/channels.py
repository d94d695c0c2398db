"""One signed POST to another service, over the network or through a WSGI transport.

- :class:`NetworkChannel`: a pool of keep-alive ``http.client`` connections to one service
  (thread-safe, ``TCP_NODELAY``; a connection the server has closed, or one idle past
  :data:`IDLE_SECONDS`, is dropped before reuse; never retried here: retries are the
  caller's policy). Production's path. httpx's client cost about twice the CPU per call
  of urllib3's pool, and urllib3's pool ~140 µs a call more than ``http.client`` under it:
  a seventh of a loopback call (docs/benchmarks.md, ADR 0006).
- :class:`TransportChannel`: an ``httpx.Client`` over a given httpx transport: the
  process's own WSGI application (the split test mode) or a test's stand-in.

Both sign the request (:func:`~app.kernel.remote.signing.sign`) and answer a :class:`Reply`
or raise :class:`ChannelError`; the caller decides what a status means.
"""

from __future__ import annotations

import http.client
import select
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from app.kernel.remote.signing import HEADER, sign

POOL_SIZE = 32  # connections kept open per service; beyond, extra ones open and close
# A kept-alive connection idle this long is not reused: gunicorn closes one after
# GUNICORN_KEEPALIVE (5 s by default), and a request sent as it closes would fail.
IDLE_SECONDS = 4.0


@dataclass(frozen=True)
class Reply:
    status: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class ChannelError(Exception):
    """The request got no answer: refused, reset, or ``timed_out``."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class Channel(Protocol):
    base_url: str

    def post(self, path: str, content: bytes, headers: dict[str, str], timeout: float) -> Reply: ...

    def close(self) -> None: ...


def signed(path: str, content: bytes, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, HEADER: sign("POST", path, content)}


class _NoDelay:
    """``TCP_NODELAY`` on connect: a small request is not held back waiting for an ACK."""

    sock: socket.socket

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Connection(_NoDelay, http.client.HTTPConnection):
    pass


class _TLSConnection(_NoDelay, http.client.HTTPSConnection):
    pass


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether the server has closed an idle connection (it is readable: EOF, or bytes no
    request asked for)."""
    sock = connection.sock
    return sock is None or bool(select.select([sock], [], [], 0)[0])


class NetworkChannel:
    """Keep-alive HTTP/1.1 to the service at ``base_url`` (``http://`` or ``https://``)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not an http(s) service url: {base_url!r}")
        self._kind = _TLSConnection if parts.scheme == "https" else _Connection
        self._address = (parts.hostname, parts.port)
        self._idle: deque[tuple[http.client.HTTPConnection, float]] = deque()

    def post(self, path: str, content: bytes, headers: dict[str, str], timeout: float) -> Reply:
        connection = self._take(timeout)
        try:
            connection.request("POST", path, body=content, headers=signed(path, content, headers))
            response = connection.getresponse()
            body = response.read()
        except TimeoutError as exc:
            connection.close()
            raise ChannelError(repr(exc), timed_out=True) from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise ChannelError(repr(exc)) from exc
        if response.will_close or len(self._idle) >= POOL_SIZE:
            connection.close()
        else:
            self._idle.append((connection, time.monotonic()))
        return Reply(response.status, body)

    def _take(self, timeout: float) -> http.client.HTTPConnection:
        """The most recently used idle connection still open (its timeout set to
        ``timeout``), or a new one (connected on first use, within ``timeout``)."""
        now = time.monotonic()
        while self._idle:
            try:
                connection, since = self._idle.pop()
            except IndexError:  # another thread took the last one
                break
            if now - since < IDLE_SECONDS and not _dropped(connection):
                connection.sock.settimeout(timeout)
                return connection
            connection.close()
        host, port = self._address
        return self._kind(host, port, timeout=timeout)

    def close(self) -> None:
        while self._idle:
            self._idle.pop()[0].close()


class TransportChannel:
    """The same request through an httpx transport."""

    def __init__(self, base_url: str, transport: httpx.BaseTransport) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, transport=transport)

    def post(self, path: str, content: bytes, headers: dict[str, str], timeout: float) -> Reply:
        try:
            response = self._client.post(
                path, content=content, headers=signed(path, content, headers), timeout=timeout
            )
        except httpx.TimeoutException as exc:
            raise ChannelError(repr(exc), timed_out=True) from exc
        except httpx.TransportError as exc:
            raise ChannelError(repr(exc)) from exc
        return Reply(response.status_code, response.content)

    def close(self) -> None:
        self._client.close()
