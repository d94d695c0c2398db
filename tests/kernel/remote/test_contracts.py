"""Module api contracts: the committed schemas match the code, and the checker bites on
changes that break callers or callees deployed at another time."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from app.kernel.remote import contracts as c
from tests.kernel.remote.throwaway import load


def test_every_module_api_has_its_committed_contract():
    modules = c.api_modules()
    assert {"payments", "inventory", "catalog", "accounts"} <= set(modules)
    assert c.check(modules, c.contracts_dir()) == []


def test_a_contract_names_functions_idempotency_errors_and_schemas():
    contract = c.contract_of("inventory")
    assert contract["errors"] == ["StockUnavailableError"]
    reserve = contract["functions"]["stock_reserve"]
    assert reserve["idempotent"] is True
    assert reserve["request"]["required"] == ["order_id", "lines"]
    assert set(reserve["response"]["properties"]) >= {"order_id", "status", "lines"}


def test_the_command_passes_and_fails_with_the_regenerate_command(monkeypatch, tmp_path):
    call_command("modules", "api-contracts", "--check")
    monkeypatch.setattr(c, "contracts_dir", lambda: tmp_path)
    with pytest.raises(CommandError, match="modules api-contracts --write"):
        call_command("modules", "api-contracts")
    call_command("modules", "api-contracts", "--write")
    call_command("modules", "api-contracts", "--check")


def committed_then(variant: str, tmp_path) -> list[str]:
    """Commit the contract of ``contract_v1``, change the api to ``contract_<variant>``, check."""
    load("rmcontract_v1", "contract_v1")
    load(f"rmcontract_{variant}", f"contract_{variant}")
    (written,) = c.write(["rmcontract_v1"], tmp_path)
    written.rename(tmp_path / f"rmcontract_{variant}.json")
    return c.check([f"rmcontract_{variant}"], tmp_path)


def test_an_unchanged_api_passes(tmp_path):
    load("rmcontract_v1", "contract_v1")
    c.write(["rmcontract_v1"], tmp_path)
    assert c.check(["rmcontract_v1"], tmp_path) == []


def test_a_missing_contract_fails(tmp_path):
    load("rmcontract_v1", "contract_v1")
    (problem,) = c.check(["rmcontract_v1"], tmp_path)
    assert "no committed api contract rmcontract_v1.json" in problem
    assert c.REGENERATE in problem


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("removed_function", "thing_list: function removed"),
        ("removed_field", "thing_get response thing_id: removed or renamed"),
        ("retyped_field", "thing_get response thing_id: type changed"),
        ("new_required_argument", "thing_get request scope: new required field"),
        ("optional_made_required", "thing_get request verbose: optional field became required"),
        ("response_field_made_optional", "thing_get response thing_id: required field became"),
        ("retyped_list_item", "thing_list response [].: type changed"),
    ],
)
def test_an_incompatible_change_fails(tmp_path, variant, expected):
    (problem,) = committed_then(variant, tmp_path)
    assert "changed incompatibly" in problem
    assert expected in problem


@pytest.mark.parametrize("variant", ["new_optional_argument", "new_response_field"])
def test_a_compatible_change_passes_once_regenerated(tmp_path, variant):
    (problem,) = committed_then(variant, tmp_path)
    assert "changed compatibly" in problem and c.REGENERATE in problem
    c.write([f"rmcontract_{variant}"], tmp_path)
    assert c.check([f"rmcontract_{variant}"], tmp_path) == []
