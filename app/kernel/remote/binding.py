"""Every ``@module_api`` function, and its two bindings: local (a function call, optionally
through the wire format: strict mode) and remote (an HTTP call to the hosting service).

:func:`app.kernel.ownership.module_api` registers each function here and, at each call,
asks :func:`is_remote` (the topology) which binding applies. Nothing else chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from app.kernel.remote import client
from app.kernel.remote.codec import Codec
from app.kernel.remote.errors import ApiContractError, RemoteCallFailed
from app.kernel.topology import is_remote

__all__ = ("ApiFunction", "functions", "is_remote", "lookup", "register")


@dataclass(eq=False)
class ApiFunction:
    """One public function of a module's ``api.py``: ``body`` is the undecorated function."""

    module: str
    name: str
    body: Callable[..., Any]
    idempotent: bool = False

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"

    @cached_property
    def codec(self) -> Codec:
        """Built on first use: at decoration time the api module is not fully executed."""
        return Codec.of(self.body, self.qualname)

    def call_remote(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self._keyword_only(args)
        payload = self.codec.encode_args(kwargs)
        reply = client.post(self, payload)
        try:
            return self.codec.decode_reply(reply)
        except ApiContractError as exc:
            raise RemoteCallFailed(self.module, self.name, f"bad reply: {exc}") from exc

    def call_strict(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The local call through the wire format both ways (the caller is already attributed
        to the callee module): what passes here passes remotely."""
        self._keyword_only(args)
        try:
            copied = self.codec.decode_args(self.codec.encode_args(kwargs))
        except ValidationError as exc:
            raise ApiContractError(
                f"{self.qualname}: arguments do not survive JSON: {exc}"
            ) from exc
        try:
            value = self.body(**copied)
        except Exception as exc:
            if self.codec.is_typed_error(exc):
                self.codec.decode_reply(self.codec.encode_error(exc))
            raise
        return self.codec.decode_reply(self.codec.encode_value(value))

    def _keyword_only(self, args: tuple[Any, ...]) -> None:
        if args:
            raise TypeError(f"{self.qualname}() takes keyword arguments only")


_REGISTRY: dict[tuple[str, str], ApiFunction] = {}


def register(module: str, body: Callable[..., Any], *, idempotent: bool) -> ApiFunction:
    function = ApiFunction(module, body.__name__, body, idempotent)
    _REGISTRY[(module, body.__name__)] = function
    return function


def lookup(module: str, name: str) -> ApiFunction | None:
    return _REGISTRY.get((module, name))


def functions(module: str) -> list[ApiFunction]:
    """The registered functions of ``module`` (its ``api.py`` imported), by name."""
    return sorted((f for (m, _), f in _REGISTRY.items() if m == module), key=lambda f: f.name)
