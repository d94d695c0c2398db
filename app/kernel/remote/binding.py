"""An ``@module_api`` function and its two bindings: local (a function call, optionally
through the wire format: strict mode) and remote (an HTTP call to the hosting service).

:func:`app.kernel.ownership.module_api` attaches an :class:`ApiFunction` to each wrapper and,
at each call, asks :func:`is_remote` (the topology) which binding applies. Nothing else
chooses. A module's api functions are the wrappers its ``api.py`` defines
(:func:`functions`: what its contract lists). The internal endpoint also remembers each
function as first defined (:func:`defined`), so a stand-in a test puts in place of the
module attribute on the caller's side does not hide the real function from the callee.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from pydantic import ValidationError

from app.kernel.remote import client
from app.kernel.remote.codec import Codec
from app.kernel.remote.errors import ApiContractError, RemoteCallFailed
from app.kernel.topology import is_remote

__all__ = (
    "API_FUNCTION",
    "ApiFunction",
    "api_function",
    "define",
    "defined",
    "functions",
    "is_remote",
    "strict",
)

#: The wrapper's attribute holding its :class:`ApiFunction`.
API_FUNCTION = "__seams_api_function__"

_strict: bool | None = None


def strict() -> bool:
    """``settings.SEAMS_API_STRICT``, read once (every local api call asks; a settings
    lookup costs more than the rest of the local binding). Tests that override it reset it
    through Django's ``setting_changed`` signal."""
    global _strict
    if _strict is None:
        _strict = bool(settings.SEAMS_API_STRICT)
    return _strict


def _forget_strict(*, setting: str, **kwargs: Any) -> None:
    global _strict
    if setting == "SEAMS_API_STRICT":
        _strict = None


setting_changed.connect(_forget_strict)


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


def api_function(obj: object) -> ApiFunction | None:
    """The :class:`ApiFunction` behind an ``@module_api`` wrapper (else ``None``)."""
    found = getattr(obj, API_FUNCTION, None)
    return found if isinstance(found, ApiFunction) else None


# (module, name) → the function as ``modules.<module>.api`` defined it when first imported:
# what the internal endpoint serves, even while a test has replaced the module attribute
# (a caller-side stand-in around the real function must not make the callee lose it)
_defined: dict[tuple[str, str], ApiFunction] = {}


def define(function: ApiFunction) -> None:
    """Record an ``@module_api`` function of a module's ``api.py`` (first definition wins)."""
    if function.body.__module__ == f"modules.{function.module}.api":
        _defined.setdefault((function.module, function.name), function)


def defined(module: str, name: str) -> ApiFunction | None:
    """The function ``module.name`` as its ``api.py`` defined it, if it was imported."""
    return _defined.get((module, name))


def function_named(module: str, name: str) -> ApiFunction | None:
    """The ``@module_api`` function ``name`` of ``modules.<module>.api`` as it stands now,
    else as first defined (:func:`defined`): a test may have replaced the attribute."""
    api = sys.modules.get(f"modules.{module}.api")
    current = api_function(getattr(api, name, None)) if api is not None else None
    if current is not None and current.name == name and current.body.__module__ == api.__name__:
        return current
    return defined(module, name)


def functions(module: str) -> list[ApiFunction]:
    """The ``@module_api`` functions defined in ``modules.<module>.api`` (when imported),
    by name."""
    api = sys.modules.get(f"modules.{module}.api")
    if api is None:
        return []
    found = (api_function(value) for value in vars(api).values())
    return sorted(
        (f for f in found if f is not None and f.body.__module__ == api.__name__),
        key=lambda f: f.name,
    )
