"""Request-parsing helpers shared by every module's views.

- :class:`StrictSerializer` (or :class:`StrictFieldsMixin` for a ``ModelSerializer``):
  input must be a JSON object with only the declared fields; an unknown field
  is a 400 (``errors: {"<name>": ["Unknown field."]}``).
  Use it for write endpoints so a typo (``quantiy``) is not silently ignored.
- ``StrictCharField``, ``StrictRegexField``, ``StrictIntegerField``, ``StrictBooleanField``:
  no type coercion (``12`` is not a string, ``"5"`` is not an integer, ``"yes"`` not a bool).
- :class:`MoneyField`: an amount of money, only as the documented decimal string
  (:data:`MONEY_PATTERN`), bounded.
- :func:`customer_id`: the authenticated customer's id as an ``int`` (simplejwt's stateless
  ``TokenUser`` carries it as a string claim).
- :func:`validated`: run a serializer over ``data`` and return ``validated_data`` (raises the
  ``ValidationError`` that becomes a 400 problem).
- The ``id`` path converter: ``path("things/<id:pk>/", ...)`` matches 1-18 digits, so an id
  beyond a 64-bit integer is a 404 instead of a database overflow (500). Importing this module
  registers it; a module's ``http/urls.py`` does ``from app.kernel.http import parsing  # noqa``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import register_converter
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

UNKNOWN_FIELD = "Unknown field."


class StrictFieldsMixin:
    """Mix into any serializer: input fields it does not declare (or declares read-only)
    are a validation error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD] for key in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """A ``Serializer`` that rejects unknown fields."""


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> Any:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def customer_id(request: Request) -> int:
    """The calling customer's id (``int``), from the access token's ``user_id`` claim."""
    user = request.user
    if not (user and user.is_authenticated):
        raise NotAuthenticated()
    return int(user.pk)


class IdConverter:
    """Positive 64-bit ids: at most 18 digits, so every match fits a bigint."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of coercing them."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField):
    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: refuses strings, floats and booleans (``"5"``, ``5.5``, ``true``)."""

    default_error_messages = {"not_an_integer": "Must be a JSON integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_an_integer")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean only (``true``/``false``), not ``"yes"`` or ``1``."""

    default_error_messages = {"not_a_boolean": "Must be a JSON boolean."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


#: Money in a request: ASCII digits, optionally a point and one or two places ("12.50", "5").
MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN.strip("^$"), re.ASCII)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "12.50"}
)
class MoneyField(serializers.Field):
    """An amount of money as the string :data:`MONEY_PATTERN` describes, in ``[min, max]``.

    Exactly the pattern: no exponent (``"1e2"``), sign, spaces, bare point (``"5."``,
    ``".5"``) or non-ASCII digits (``Decimal`` reads full-width ``"\\uff11\\uff12"`` as 12),
    and no JSON number (a float cannot carry ``19.999999999999999999`` faithfully).
    ``max_value`` may be a callable, read per request (a setting). Returns a ``Decimal`` with
    two places.
    """

    default_error_messages = {
        "invalid": 'Enter an amount of money as a string such as "12.50".',
        "min": "The amount must be at least {min}.",
        "max": "The amount must not exceed {max}.",
    }

    def __init__(
        self, *, min_value: Decimal, max_value: Decimal | Callable[[], Decimal], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not _MONEY.fullmatch(data):
            self.fail("invalid")
        amount = Decimal(data).quantize(Decimal("0.01"))
        maximum = self.max_value() if callable(self.max_value) else self.max_value
        if amount < self.min_value:
            self.fail("min", min=self.min_value)
        if amount > maximum:
            self.fail("max", max=maximum)
        return amount

    def to_representation(self, value: Decimal) -> str:
        return f"{value:.2f}"
