"""One signed POST to another service, over the network or through a WSGI transport.

- :class:`NetworkChannel`: a pool of keep-alive connections to one service, urllib3's
  (``http.client`` underneath; thread-safe, ``TCP_NODELAY``, a connection the server
  closed is dropped before reuse, never retried by urllib3: retries are the caller's
  policy). Production's path: httpx's client costs about twice the CPU per call of this
  one (docs/benchmarks.md, ADR 0006).
- :class:`TransportChannel`: an ``httpx.Client`` over a given httpx transport: the
  process's own WSGI application (the split test mode) or a test's stand-in.

Both sign the request (:func:`~app.kernel.remote.signing.sign`) and answer a :class:`Reply`
or raise :class:`ChannelError`; the caller decides what a status means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
import urllib3

from app.kernel.remote.signing import HEADER, sign

POOL_SIZE = 32  # connections kept open per service; beyond, extra ones open and close


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


class NetworkChannel:
    """Keep-alive HTTP to the service at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._pool = urllib3.connection_from_url(
            self.base_url, maxsize=POOL_SIZE, block=False, retries=False
        )

    def post(self, path: str, content: bytes, headers: dict[str, str], timeout: float) -> Reply:
        try:
            response = self._pool.urlopen(
                "POST",
                path,
                body=content,
                headers=signed(path, content, headers),
                timeout=urllib3.Timeout(total=timeout),
                retries=False,
                redirect=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:  # a ConnectTimeoutError subclass
            raise ChannelError(repr(exc)) from exc
        except urllib3.exceptions.TimeoutError as exc:
            raise ChannelError(repr(exc), timed_out=True) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise ChannelError(repr(exc)) from exc
        return Reply(response.status, response.data)

    def close(self) -> None:
        self._pool.close()


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
