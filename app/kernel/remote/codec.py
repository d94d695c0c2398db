"""JSON both ways for one module api function, built from its signature.

Arguments travel as one JSON object (a pydantic model built from the keyword-only
parameters); the answer as ``{"value": ...}`` or, for a typed error, ``{"error": {"type":
..., "message": ...}}``. Types come from ``typing.get_type_hints`` (the api files use
``from __future__ import annotations``): primitives, ``Decimal``, ``datetime``,
``Literal``, ``tuple``/``list``/``dict``, ``Optional`` and frozen dataclass DTOs. Typed
errors are the exception classes defined in the function's own ``api.py``.

Encoding is strict where a local call would hide a bug: a value must already be of the
declared type (no ``"3"`` for an ``int``, no ORM object for a DTO, no list for a tuple),
checked at the top level by pydantic's strict validation and inside DTOs by serialising
with ``warnings="error"``. Decoding is pydantic's JSON validation, so every side gets a
fresh copy of the same types.
"""

from __future__ import annotations

import inspect
import json
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model
from pydantic_core import PydanticSerializationError

from app.kernel.remote.errors import ApiContractError

_ARGS_CONFIG = ConfigDict(extra="forbid", arbitrary_types_allowed=False)


class _WireError(BaseModel):
    type: str
    message: str


def typed_errors(module_name: str) -> dict[str, type[Exception]]:
    """The exception classes defined in the api module ``module_name``, by class name."""
    namespace = vars(sys.modules[module_name])
    return {
        name: value
        for name, value in namespace.items()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__ == module_name
    }


def _summary(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'value'}: {error['msg']}"
        for error in exc.errors()[:5]
    )


@dataclass(frozen=True)
class Codec:
    """How one function's arguments and answer are validated and (de)serialised."""

    qualname: str
    args: type[BaseModel]
    result: TypeAdapter[Any]
    reply: type[BaseModel]
    errors: dict[str, type[Exception]]

    @classmethod
    def of(cls, body: Callable[..., Any], qualname: str) -> Codec:
        """Build from ``body``'s signature; :class:`ApiContractError` says what does not fit."""
        try:
            hints = typing.get_type_hints(body)
        except (NameError, TypeError) as exc:
            raise ApiContractError(f"{qualname}: type hints do not resolve: {exc}") from exc
        fields: dict[str, Any] = {}
        for name, parameter in inspect.signature(body).parameters.items():
            if parameter.kind is not parameter.KEYWORD_ONLY:
                raise ApiContractError(
                    f"{qualname}: parameter {name!r} is not keyword-only (declare the "
                    f"function as def {body.__name__}(*, {name}: ...))"
                )
            if name not in hints:
                raise ApiContractError(f"{qualname}: parameter {name!r} has no type hint")
            default = ... if parameter.default is parameter.empty else parameter.default
            fields[name] = (hints[name], default)
        if "return" not in hints:
            raise ApiContractError(f"{qualname}: no return type hint")
        stem = qualname.replace(".", "_")
        try:
            args = create_model(f"{stem}_args", __config__=_ARGS_CONFIG, **fields)
            result = TypeAdapter(hints["return"])
            reply = create_model(
                f"{stem}_reply",
                value=(hints["return"] | None, None),
                error=(_WireError | None, None),
            )
        except Exception as exc:  # pydantic's schema errors for types it cannot handle
            raise ApiContractError(f"{qualname}: a type cannot cross the wire: {exc}") from exc
        return cls(qualname, args, result, reply, typed_errors(body.__module__))

    # -- arguments ---------------------------------------------------------------------
    def encode_args(self, kwargs: dict[str, Any]) -> bytes:
        try:
            return (
                self.args.model_validate(kwargs, strict=True)
                .model_dump_json(warnings="error")
                .encode()
            )
        except ValidationError as exc:
            raise ApiContractError(f"{self.qualname}: invalid arguments: {_summary(exc)}") from exc
        except PydanticSerializationError as exc:
            raise ApiContractError(f"{self.qualname}: arguments cannot cross: {exc}") from exc

    def decode_args(self, data: bytes) -> dict[str, Any]:
        """Raises pydantic's ``ValidationError`` (the server answers 400)."""
        return dict(self.args.model_validate_json(data))

    # -- answers -----------------------------------------------------------------------
    def encode_value(self, value: Any) -> bytes:
        try:
            self.result.validate_python(value, strict=True)
            return b'{"value":' + self.result.dump_json(value, warnings="error") + b"}"
        except ValidationError as exc:
            raise ApiContractError(f"{self.qualname}: invalid result: {_summary(exc)}") from exc
        except PydanticSerializationError as exc:
            raise ApiContractError(f"{self.qualname}: result cannot cross: {exc}") from exc

    def encode_error(self, exc: Exception) -> bytes:
        return json.dumps({"error": {"type": type(exc).__name__, "message": str(exc)}}).encode()

    def decode_reply(self, data: bytes) -> Any:
        """The value, or the typed error raised; :class:`ApiContractError` when the reply
        does not fit (an unknown error type, a value of another shape)."""
        try:
            reply = self.reply.model_validate_json(data)
        except ValidationError as exc:
            raise ApiContractError(f"{self.qualname}: invalid reply: {_summary(exc)}") from exc
        if reply.error is not None:
            error_class = self.errors.get(reply.error.type)
            if error_class is None:
                raise ApiContractError(
                    f"{self.qualname}: unknown error type {reply.error.type!r}: "
                    f"{reply.error.message}"
                )
            raise error_class(reply.error.message)
        if "value" not in reply.model_fields_set:
            raise ApiContractError(f"{self.qualname}: reply has neither value nor error")
        if reply.value is None:
            try:  # None only where the function declares it
                self.result.validate_python(None)
            except ValidationError as exc:
                raise ApiContractError(f"{self.qualname}: reply value is null") from exc
        return reply.value

    def is_typed_error(self, exc: BaseException) -> bool:
        return isinstance(exc, tuple(self.errors.values()))
