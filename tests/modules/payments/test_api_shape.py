"""The public api of payments: keyword-only, typed, run as its module, frozen DTOs out (what
makes each function callable over the wire later)."""

import dataclasses

import pytest

from app.kernel.ownership import current_module
from modules.payments import api as payments_api
from tests.modules.api_shape import assert_keyword_only_typed_and_marked


@pytest.mark.parametrize("name", ["balance_get", "payment_capture", "payment_refund"])
def test_api_functions_are_keyword_only_typed_and_marked(name):
    assert_keyword_only_typed_and_marked(payments_api, name)


@pytest.mark.parametrize(
    "dto", [payments_api.Balance, payments_api.CaptureResult, payments_api.RefundResult]
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
