"""Strict local mode: a local call goes through the remote call's validation and JSON round
trip, so what would break remotely breaks here first; off, a local call is a plain call."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from app.kernel.remote import ApiContractError
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")


@pytest.mark.parametrize(
    ("function", "why"),
    [
        (rmtest.orm_object, "instance of Item"),
        (rmtest.wrong_type, "valid integer"),
        (rmtest.mutable_instead_of_dto, "instance of Item"),
        (rmtest.list_instead_of_tuple, "Expected `tuple"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_result_that_could_not_cross_is_caught_locally(settings, function, why):
    settings.SEAMS_API_STRICT = True
    with pytest.raises(ApiContractError, match=why):
        function()


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"items": [rmtest.Item(name="x", tags=("a",))]}, "valid tuple"),
        ({"items": (rmtest.Mutable(name="x"),)}, "instance of Item"),
        ({"items": (rmtest.Item(name="x", tags=["a"]),)}, "Expected `tuple"),
        ({"items": (), "note": 3}, "valid string"),
        ({"items": (), "extra": 1}, "Extra inputs"),
        ({}, "Field required"),
    ],
    ids=["list for tuple", "mutable dto", "nested list", "wrong type", "unknown", "missing"],
)
def test_arguments_that_could_not_cross_are_caught_locally(settings, kwargs, why):
    settings.SEAMS_API_STRICT = True
    with pytest.raises(ApiContractError, match=why):
        rmtest.echo(**kwargs)


def test_positional_arguments_are_refused_like_a_keyword_only_call():
    with pytest.raises(TypeError, match="keyword arguments only"):
        rmtest.echo((rmtest.Item(name="x", tags=()),))


def test_the_caller_gets_a_fresh_copy_equal_to_the_value(settings):
    settings.SEAMS_API_STRICT = True
    result = rmtest.shared_item()
    assert result == rmtest.SHARED and result is not rmtest.SHARED
    items = (rmtest.Item(name="x", tags=("a",)),)
    echoed = rmtest.echo(items=items)
    assert echoed == items and echoed[0] is not items[0]


def test_typed_errors_are_raised_as_the_remote_call_would(settings):
    settings.SEAMS_API_STRICT = True
    with pytest.raises(rmtest.ItemMissingError, match="no item 'x'") as raised:
        rmtest.item_get(name="x")
    assert isinstance(raised.value.__context__, rmtest.ItemMissingError)  # re-made from wire


def test_without_strict_mode_a_local_call_is_a_plain_call(settings):
    settings.SEAMS_API_STRICT = False
    assert rmtest.shared_item() is rmtest.SHARED
    assert type(rmtest.orm_object()).__name__ == "ContentType"  # what strict mode would catch


def test_strict_mode_is_on_under_the_tests():
    assert django_settings.SEAMS_API_STRICT is True
