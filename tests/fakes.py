"""Fakes of module apis, generated from their contracts (``contracts/api/<module>.json``).

A :class:`FakeApi` stands where ``modules.<module>.api`` would: one :class:`FakeFunction` per
function of the contract, the contract's DTOs (frozen dataclasses named by the schema's
titles) and its typed errors. A fake function takes the contract's keyword arguments only
and checks them against the request schema (the wire shape a remote call would send), records
each call, and answers what the test programmed, checked against the response schema::

    fakes.catalog.price_skus.returns({"MUG": fakes.catalog.PricedSku(sku="MUG", ...)})
    fakes.payments.payment_capture.raises(fakes.payments.PaymentRefusedError("too much"))
    assert fakes.catalog.price_skus.calls == [{"skus": ["MUG"]}]

A call nothing was programmed for raises :class:`NotProgrammed`, and the test fails at
teardown even where the code under test caught it (``tests/slicing.py``).
"""

from __future__ import annotations

import inspect
import json
import types
from dataclasses import field, make_dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from pydantic_core import PydanticSerializationError, to_jsonable_python

from app.kernel.remote.errors import ApiContractError

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts" / "api"


class NotProgrammed(AssertionError):
    """A fake api function was called with no answer programmed."""


def _problems(validator: Draft202012Validator, value: Any) -> str:
    """What in ``value``'s JSON form breaks the schema ("" when nothing does)."""
    try:
        wire = to_jsonable_python(value)
    except PydanticSerializationError as exc:
        return f"cannot cross the wire: {exc}"
    errors = sorted(validator.iter_errors(wire), key=lambda e: [str(p) for p in e.path])
    return "; ".join(
        f"{'.'.join(str(p) for p in error.path) or 'value'}: {error.message}"
        for error in errors[:5]
    )


class FakeFunction:
    """One api function of a contract: validates, records, answers as programmed."""

    def __init__(self, module: str, name: str, spec: dict[str, Any], errors: tuple[type, ...]):
        self.qualname = f"{module}.{name}"
        self.__name__ = name
        self._errors = errors
        self._request = Draft202012Validator(spec["request"])
        self._response = Draft202012Validator(spec["response"])
        properties = spec["request"].get("properties", {})
        required = set(spec["request"].get("required", ()))
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    arg,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=inspect.Parameter.empty if arg in required else schema.get("default"),
                )
                for arg, schema in properties.items()
            ]
        )
        self.calls: list[dict[str, Any]] = []
        self.unprogrammed: list[dict[str, Any]] = []
        self._answer: tuple[str, Any] | None = None

    def returns(self, value: Any) -> FakeFunction:
        """Answer every call with ``value`` (checked against the response schema)."""
        if problems := _problems(self._response, value):
            raise ApiContractError(f"{self.qualname}: result does not fit the contract: {problems}")
        self._answer = ("value", value)
        return self

    def raises(self, error: Exception) -> FakeFunction:
        """Answer every call by raising ``error``, one of the contract's typed errors."""
        if not isinstance(error, self._errors):
            raise ApiContractError(
                f"{self.qualname}: {type(error).__name__} is not a typed error of its contract "
                f"({', '.join(e.__name__ for e in self._errors) or 'none'})"
            )
        self._answer = ("error", error)
        return self

    def reset(self) -> None:
        self.calls.clear()
        self.unprogrammed.clear()
        self._answer = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            raise TypeError(f"{self.qualname}() takes keyword arguments only")
        try:
            bound = self.__signature__.bind(**kwargs)
        except TypeError as exc:
            raise TypeError(f"{self.qualname}(): {exc}") from None
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        if problems := _problems(self._request, arguments):
            raise ApiContractError(f"{self.qualname}: invalid arguments: {problems}")
        self.calls.append(arguments)
        if self._answer is None:
            self.unprogrammed.append(arguments)
            raise NotProgrammed(
                f"fake {self.qualname} was called with {arguments!r} but the test programmed "
                f"no answer: fakes.{self.qualname}.returns(...) or .raises(...)"
            )
        kind, answer = self._answer
        if kind == "error":
            raise answer
        return answer


def _dto(title: str, schema: dict[str, Any]) -> type:
    """A frozen dataclass with the fields of an object schema (required ones first)."""
    required = schema.get("required", [])
    optional = [name for name in schema.get("properties", {}) if name not in required]
    fields = [(name, Any) for name in required] + [
        (name, Any, field(default=schema["properties"][name].get("default"))) for name in optional
    ]
    return make_dataclass(title, fields, frozen=True)


def _titled_objects(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {
        name: definition
        for name, definition in schema.get("$defs", {}).items()
        if definition.get("type") == "object"
    }
    if schema.get("type") == "object" and "title" in schema and "properties" in schema:
        found[schema["title"]] = schema
    return found


class FakeApi(types.ModuleType):
    """``modules.<module>.api`` made from its contract: functions, DTOs and typed errors.

    ``errors`` gives the error classes to raise (an installed module's own, so its callers'
    ``except`` clauses match); by default the contract's names become new classes.
    """

    def __init__(self, module: str, errors: dict[str, type[Exception]] | None = None):
        super().__init__(f"modules.{module}.api", f"Fake of {module}'s api, from its contract.")
        contract = json.loads((CONTRACTS / f"{module}.json").read_text(encoding="utf-8"))
        own = {"__module__": self.__name__}
        for name in contract["errors"]:
            setattr(self, name, (errors or {}).get(name) or type(name, (Exception,), own))
        typed = tuple(getattr(self, name) for name in contract["errors"])
        self.functions: dict[str, FakeFunction] = {}
        for name, spec in contract["functions"].items():
            self.functions[name] = FakeFunction(module, name, spec, typed)
            setattr(self, name, self.functions[name])
            for title, schema in _titled_objects(spec["response"]).items():
                setattr(self, title, _dto(title, schema))

    def reset(self) -> None:
        for function in self.functions.values():
            function.reset()

    def unprogrammed_calls(self) -> list[str]:
        return [
            f"{function.qualname}({call!r})"
            for function in self.functions.values()
            for call in function.unprogrammed
        ]
