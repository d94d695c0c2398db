"""The public api of inventory: keyword-only, typed, marked, frozen DTOs out."""

import dataclasses

import pytest

from modules.inventory import api as inventory_api
from tests.modules.api_shape import assert_keyword_only_typed_and_marked


@pytest.mark.parametrize(
    "name", ["availability", "stock_reserve", "stock_release", "stock_commit", "stock_restock"]
)
def test_api_functions_are_keyword_only_typed_and_marked(name):
    assert_keyword_only_typed_and_marked(inventory_api, name)


@pytest.mark.parametrize(
    "dto",
    [inventory_api.StockLevel, inventory_api.ReservationLine, inventory_api.ReservationResult],
)
def test_dtos_are_frozen_dataclasses(dto):
    assert dataclasses.is_dataclass(dto) and dto.__dataclass_params__.frozen
