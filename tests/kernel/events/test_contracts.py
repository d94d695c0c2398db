"""Event contracts: the committed schemas match the code, and the checker bites."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from app.kernel.events import Event, upcaster
from app.kernel.events import contracts as c
from app.kernel.events.base import _UPCASTERS, UnknownEventVersion, decode
from modules.orders.events import OrderPlaced


def test_every_event_of_the_hosted_modules_has_its_committed_schema():
    classes = c.event_classes()
    assert {"orders.OrderPlaced", "payments.PaymentCaptured"} <= {cls.name for cls in classes}
    assert c.check(classes, c.contracts_dir()) == []


def test_the_contracts_command_passes():
    call_command("events", "contracts")


class V1(Event):
    name: ClassVar[str] = "throwaway.Thing"
    thing_id: int
    note: str | None = None
    amount: Decimal


@pytest.fixture
def committed(tmp_path):
    c.write([V1], tmp_path)
    return tmp_path


def test_unchanged_event_passes(committed):
    assert c.check([V1], committed) == []


def test_missing_schema_fails(tmp_path):
    (problem,) = c.check([V1], tmp_path)
    assert "no committed schema throwaway.Thing.v1.json" in problem


def _problem(cls, directory) -> str:
    (problem,) = c.check([cls], directory)
    return problem


def test_removed_or_renamed_field_without_bump_fails(committed):
    class Renamed(Event):
        name: ClassVar[str] = "throwaway.Thing"
        id: int
        note: str | None = None
        amount: Decimal

    problem = _problem(Renamed, committed)
    assert "changed incompatibly without a version bump" in problem
    assert "thing_id: removed or renamed" in problem
    assert "id: new required field" in problem


def test_changed_type_without_bump_fails(committed):
    class Retyped(Event):
        name: ClassVar[str] = "throwaway.Thing"
        thing_id: str
        note: str | None = None
        amount: Decimal

    assert "thing_id: type changed" in _problem(Retyped, committed)


def test_new_required_field_without_bump_fails(committed):
    class Grown(Event):
        name: ClassVar[str] = "throwaway.Thing"
        thing_id: int
        note: str | None = None
        amount: Decimal
        currency: str

    assert "currency: new required field" in _problem(Grown, committed)


def test_optional_field_made_required_fails(committed):
    class Stricter(Event):
        name: ClassVar[str] = "throwaway.Thing"
        thing_id: int
        note: str
        amount: Decimal

    assert "note: optional field became required" in _problem(Stricter, committed)


def test_new_optional_field_is_compatible_but_must_be_regenerated(committed):
    class Optional(Event):
        name: ClassVar[str] = "throwaway.Thing"
        thing_id: int
        note: str | None = None
        amount: Decimal
        channel: str = "web"

    problem = _problem(Optional, committed)
    assert "changed compatibly" in problem
    c.write([Optional], committed)
    assert c.check([Optional], committed) == []


def test_nested_model_changes_are_seen(tmp_path):
    c.write([OrderPlaced], tmp_path)
    schema = tmp_path / "orders.OrderPlaced.v1.json"
    text = schema.read_text().replace('"unit_price"', '"price"')
    schema.write_text(text)
    assert "lines.[].price: removed or renamed" in _problem(OrderPlaced, tmp_path)


class V2(Event):
    name: ClassVar[str] = "throwaway.Thing"
    version: ClassVar[int] = 2
    thing_id: int
    note: str | None = None
    amount: Decimal
    currency: str


def test_a_version_bump_needs_an_upcaster_for_the_old_version(committed):
    c.write([V2], committed)
    (problem,) = c.check([V2], committed)
    assert "v1 payloads cannot be read" in problem
    _UPCASTERS[("throwaway.Thing", 1)] = lambda p: {**p, "currency": "EUR"}
    try:
        assert c.check([V2], committed) == []
    finally:
        del _UPCASTERS[("throwaway.Thing", 1)]


def test_old_versions_are_upcast_to_the_current_one():
    @upcaster("throwaway.Thing", from_version=1)
    def _v1_to_v2(payload):
        return {**payload, "currency": "EUR"}

    try:
        old = V1(thing_id=7, amount=Decimal("1.50")).model_dump(mode="json")
        event = decode(V2, 1, old)
        assert isinstance(event, V2)
        assert (event.thing_id, event.currency) == (7, "EUR")
        assert str(event.event_id) == old["event_id"]
    finally:
        del _UPCASTERS[("throwaway.Thing", 1)]


def test_unreadable_versions_say_why():
    with pytest.raises(UnknownEventVersion, match="no upcaster"):
        decode(V2, 1, {})
    with pytest.raises(UnknownEventVersion, match="newer than this code"):
        decode(V1, 2, {})


def test_the_contracts_command_fails_on_problems(monkeypatch, tmp_path):
    monkeypatch.setattr(c, "contracts_dir", lambda: tmp_path)
    with pytest.raises(CommandError, match="no committed schema"):
        call_command("events", "contracts")
