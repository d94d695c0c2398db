"""The public api of inventory and payments: keyword-only, typed, run as their module,
frozen DTOs out (what makes each function callable over the wire later)."""

import dataclasses
import inspect
import typing

import pytest

from app.kernel.ownership import current_module, is_module_api
from modules.inventory import api as inventory_api
from modules.payments import api as payments_api

FUNCTIONS = [
    (inventory_api, name)
    for name in ("availability", "stock_reserve", "stock_release", "stock_commit", "stock_restock")
] + [(payments_api, name) for name in ("balance_get", "payment_capture", "payment_refund")]


@pytest.mark.parametrize(("api", "name"), FUNCTIONS, ids=lambda v: getattr(v, "__name__", v))
def test_api_functions_are_keyword_only_typed_and_marked(api, name):
    function = getattr(api, name)
    assert is_module_api(function)
    signature = inspect.signature(function)
    assert all(p.kind is p.KEYWORD_ONLY for p in signature.parameters.values())
    hints = typing.get_type_hints(inspect.unwrap(function), vars(api))
    assert set(hints) == {*signature.parameters, "return"}


@pytest.mark.parametrize(
    "dto",
    [
        inventory_api.StockLevel,
        inventory_api.ReservationLine,
        inventory_api.ReservationResult,
        payments_api.Balance,
        payments_api.CaptureResult,
        payments_api.RefundResult,
    ],
)
def test_dtos_are_frozen_dataclasses(dto):
    assert dataclasses.is_dataclass(dto) and dto.__dataclass_params__.frozen


@pytest.mark.django_db
def test_api_calls_run_as_their_module(monkeypatch):
    from modules.payments import selectors

    seen = []
    real = selectors.wallet_balance

    def spy(**kwargs):
        seen.append(current_module())
        return real(**kwargs)

    monkeypatch.setattr(selectors, "wallet_balance", spy)
    payments_api.balance_get(customer_id=1)
    assert seen == ["payments"]
